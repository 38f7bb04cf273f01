/**
 * Throwaway certificates for TLS tests, made with openssl in a temporary folder: a private CA, server
 * certificates from it (for 127.0.0.1, for another host, expired), a client certificate from it, and a
 * self-signed server and client certificate that nothing trusts. Nothing here is committed or reused.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PemPair {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface TestCertificates {
  readonly dir: string;
  readonly ca: PemPair;
  /** Issued by the CA for 127.0.0.1 and localhost. */
  readonly server: PemPair;
  /** Issued by the CA for another host name only. */
  readonly otherHost: PemPair;
  /** Issued by the CA for 127.0.0.1, valid only in January 2020. */
  readonly expired: PemPair;
  /** Self-signed for 127.0.0.1: no CA vouches for it. */
  readonly selfSigned: PemPair;
  /** Issued by the CA for client authentication. */
  readonly client: PemPair;
  /** Self-signed client certificate the server's CA did not issue. */
  readonly strangerClient: PemPair;
  remove(): void;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function pair(dir: string, name: string): PemPair {
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

function issued(dir: string, name: string, subject: string, extensions: string, dates?: readonly string[]): PemPair {
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, ['req', '-new', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  if (dates === undefined) {
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    ]);
  } else {
    // `openssl ca` is the only way in OpenSSL 3.0 to choose both dates, which an expired certificate needs.
    openssl(dir, [
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-notext',
      '-in',
      `${name}.csr`,
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
      ...dates,
    ]);
  }
  return pair(dir, name);
}

function selfSigned(dir: string, name: string, subject: string, extension: string): PemPair {
  openssl(dir, [
    'req',
    '-x509',
    ...KEY,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-subj',
    subject,
    '-days',
    '2',
    '-addext',
    extension,
  ]);
  return pair(dir, name);
}

export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'spfa-tls-'));
  openssl(dir, [
    'req',
    '-x509',
    ...KEY,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=sp-fhir-adapter test CA',
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'serial'), '1000\n');
  writeFileSync(
    path.join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `dir = ${dir}`,
      'database = $dir/index.txt',
      'new_certs_dir = $dir',
      'serial = $dir/serial',
      'certificate = $dir/ca.crt',
      'private_key = $dir/ca.key',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n';
  const certificates: TestCertificates = {
    dir,
    ca: pair(dir, 'ca'),
    server: issued(dir, 'server', '/CN=127.0.0.1', serverExt),
    otherHost: issued(dir, 'other-host', '/CN=ehr.example.org', 'subjectAltName=DNS:ehr.example.org\n'),
    expired: issued(dir, 'expired', '/CN=expired-ehr', serverExt, [
      '-startdate',
      '20200101000000Z',
      '-enddate',
      '20200102000000Z',
    ]),
    selfSigned: selfSigned(dir, 'self-signed', '/CN=self-signed-ehr', 'subjectAltName=IP:127.0.0.1'),
    client: issued(dir, 'client', '/CN=sp-fhir-adapter test client', 'extendedKeyUsage=clientAuth\n'),
    strangerClient: selfSigned(dir, 'stranger', '/CN=stranger', 'extendedKeyUsage=clientAuth'),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return certificates;
}
