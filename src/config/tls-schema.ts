/**
 * Client certificate settings for mutual TLS to an EHR or a MESH mailbox: PEM files, read once at start-up.
 */
import { z } from 'zod';

export const tlsFilesSchema = z.strictObject({
  /** PEM client certificate, with any intermediate certificates after it. */
  certFile: z.string().min(1),
  /** PEM private key of the client certificate. */
  keyFile: z.string().min(1),
  /** PEM CA bundle to trust instead of the system's, e.g. the NHS root CA for HSCN endpoints. */
  caFile: z.string().min(1).optional(),
});

export type TlsFiles = z.infer<typeof tlsFilesSchema>;
