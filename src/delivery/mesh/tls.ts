/**
 * The mutual TLS material a live MESH environment requires: the client certificate NHS England issues for the
 * mailbox's endpoint, its private key, and the CA chain MESH's server certificate is checked against. Read from
 * PEM files once, when the transport is made.
 */
import { readFile } from 'node:fs/promises';

export interface MeshTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** The NHS root and sub CA certificates, concatenated; the system's CAs are used when absent. */
  readonly caFile?: string;
  readonly keyPassphrase?: string;
}

export interface MeshTlsMaterial {
  /** The client certificate and its key; live MESH refuses connections without them. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** CAs to check the server against instead of the system's. */
  readonly ca?: Buffer;
  readonly passphrase?: string;
}

export async function loadMeshTls(files: MeshTlsFiles): Promise<MeshTlsMaterial> {
  const [cert, key, ca] = await Promise.all([
    readFile(files.certFile),
    readFile(files.keyFile),
    files.caFile !== undefined ? readFile(files.caFile) : Promise.resolve(undefined),
  ]);
  return {
    cert,
    key,
    ...(ca !== undefined ? { ca } : {}),
    ...(files.keyPassphrase !== undefined ? { passphrase: files.keyPassphrase } : {}),
  };
}
