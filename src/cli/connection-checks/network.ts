/**
 * The network checks under a FHIR base URL: does the host name resolve, does the port accept a connection, and
 * (for https) does the TLS handshake succeed with a trusted, current certificate for that host and, when the
 * endpoint gives one, with the client certificate accepted. Each failure is turned into the fix for its cause.
 */
import { lookup } from 'node:dns/promises';
import { X509Certificate } from 'node:crypto';
import { isIP, connect as tcpConnect } from 'node:net';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import type { TlsFiles } from '../../config/tls-schema';
import { readTlsFiles } from '../../delivery/http-dispatcher';
import type { CheckResult } from './check-result';
import { fail, pass, skip } from './check-result';

export interface NetworkTarget {
  readonly url: URL;
  readonly tls?: TlsFiles | undefined;
  /** Names the endpoint's settings in fixes, e.g. `endpoints[0]`. */
  readonly settings: string;
  readonly timeoutMs: number;
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

function portOf(url: URL): number {
  if (url.port !== '') {
    return Number(url.port);
  }
  return url.protocol === 'https:' ? 443 : 80;
}

/** The host as node:net wants it: IPv6 literals lose their URL brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export async function checkDns(target: NetworkTarget): Promise<CheckResult> {
  const host = hostOf(target.url);
  if (isIP(host) !== 0) {
    return pass('dns', `${host} is an IP address; no name to look up`);
  }
  try {
    const addresses = await lookup(host, { all: true });
    return pass('dns', `${host} resolves to ${addresses.map((a) => a.address).join(', ')}`);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOTFOUND') {
      return fail(
        'dns',
        `${host} does not resolve (${code})`,
        `Check the host name in ${target.settings}.baseUrl for typing errors. An HSCN-only name resolves only through HSCN DNS: make sure this machine uses the HSCN resolvers (or the network team's forwarders).`,
      );
    }
    return fail(
      'dns',
      `looking up ${host} failed (${code})`,
      'The DNS server did not answer: check this machine’s DNS settings (/etc/resolv.conf or the container’s DNS) and try again.',
    );
  }
}

export function checkTcp(target: NetworkTarget): Promise<CheckResult> {
  const host = hostOf(target.url);
  const port = portOf(target.url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (result: CheckResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(target.timeoutMs, () => {
      done(
        fail(
          'tcp',
          `no answer from ${host}:${String(port)} within ${String(target.timeoutMs)} ms`,
          `Something between here and the EHR drops the connection silently, usually a firewall: ask the network team to allow outbound TCP from this machine to ${host}:${String(port)} (for HSCN, that the route exists).`,
        ),
      );
    });
    socket.once('connect', () => {
      done(pass('tcp', `${host}:${String(port)} accepts connections`));
    });
    socket.once('error', (error) => {
      const code = errorCode(error);
      const fix =
        code === 'ECONNREFUSED'
          ? `Nothing listens on ${host}:${String(port)}: check the port in ${target.settings}.baseUrl and that the EHR's FHIR service is running there.`
          : `The network cannot reach ${host}:${String(port)}: check this machine's routes and firewall (for HSCN, the HSCN connection).`;
      done(fail('tcp', `cannot connect to ${host}:${String(port)} (${code})`, fix));
    });
  });
}

/** Names a certificate by its subject's common name and expiry, which identify it without exposing anything secret. */
function describeCertificate(cert: PeerCertificate): string {
  const subject = cert.subject as Partial<Record<string, string>> | undefined;
  const name = subject?.CN ?? subject?.O ?? 'unnamed';
  return `"${name}" valid until ${cert.valid_to}`;
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** Why the server's certificate is not accepted, and what to do about it. */
function serverCertificateProblem(
  target: NetworkTarget,
  reason: string,
  cert: PeerCertificate,
): CheckResult | undefined {
  const described = describeCertificate(cert);
  if (reason === 'CERT_HAS_EXPIRED' || reason === 'CERT_NOT_YET_VALID') {
    return fail(
      'tls',
      `the EHR's certificate ${described} is ${reason === 'CERT_HAS_EXPIRED' ? 'expired' : 'not valid yet'}`,
      reason === 'CERT_HAS_EXPIRED'
        ? 'Ask the EHR supplier to renew the server certificate; the adapter will not deliver to a server with an expired one.'
        : "Check this machine's clock (NTP); if it is right, ask the EHR supplier to check the certificate's start date.",
    );
  }
  if (UNTRUSTED.has(reason)) {
    return fail(
      'tls',
      `the EHR's certificate ${described} is not trusted (${reason})`,
      target.tls?.caFile !== undefined
        ? `The CA bundle in ${target.settings}.tls.caFile does not hold the CA that issued the EHR's certificate: get the issuing CA (and intermediates) from the EHR supplier and add them to that file.`
        : `The EHR's certificate is self-signed or issued by a private CA (e.g. the NHS/HSCN CA): put that CA in a PEM file and set ${target.settings}.tls.caFile (with certFile and keyFile), or ask the supplier for a publicly trusted certificate.`,
    );
  }
  if (reason !== '') {
    return fail(
      'tls',
      `the EHR's certificate ${described} was refused (${reason})`,
      'Send this message to the EHR supplier: their certificate chain does not verify.',
    );
  }
  return undefined;
}

const CLIENT_CERT_ALERTS = [
  'CERTIFICATE_REQUIRED',
  'HANDSHAKE_FAILURE',
  'BAD_CERTIFICATE',
  'UNKNOWN_CA',
  'CERTIFICATE_UNKNOWN',
  'CERTIFICATE_EXPIRED',
  'CERTIFICATE_REVOKED',
  'ACCESS_DENIED',
];

function clientCertificateRefused(target: NetworkTarget, code: string, clientCert: string | undefined): CheckResult {
  if (clientCert === undefined) {
    return fail(
      'tls',
      `the EHR asks for a client certificate and none is configured (${code})`,
      `Set ${target.settings}.tls.certFile and keyFile to the PEM client certificate and key registered with the EHR (and caFile if it uses a private CA).`,
    );
  }
  return fail(
    'tls',
    `the EHR refused the client certificate ${clientCert} (${code})`,
    `Check that ${target.settings}.tls.certFile is the certificate the EHR (or HSCN) has registered for this adapter, that it is current, and that the file also holds its intermediate certificates; ask the EHR supplier which CA they expect.`,
  );
}

function clientCertificateName(pem: string): string {
  const cert = new X509Certificate(pem);
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? 'unnamed';
  return `"${cn}" valid until ${cert.validTo}`;
}

/**
 * The TLS handshake, then one bodiless request to the FHIR base: under TLS 1.3 a server that refuses the client
 * certificate says so only after the handshake, when the client first reads, so the check waits for the answer.
 */
export async function checkTls(target: NetworkTarget): Promise<CheckResult> {
  if (target.url.protocol !== 'https:') {
    return skip('tls', 'plain http: no TLS (acceptable only on a private network or for the sandbox)');
  }
  let files: { cert: string; key: string; ca?: string } | undefined;
  let clientCert: string | undefined;
  try {
    files = target.tls !== undefined ? readTlsFiles(target.tls, `${target.settings}.tls`) : undefined;
    clientCert = files !== undefined ? clientCertificateName(files.cert) : undefined;
  } catch (error) {
    return fail(
      'tls',
      (error as Error).message,
      `Check the paths in ${target.settings}.tls and that the files are PEM certificates and keys this process may read.`,
    );
  }
  const host = hostOf(target.url);
  return new Promise((resolve) => {
    let settled = false;
    const socket: TLSSocket = tlsConnect({
      host,
      port: portOf(target.url),
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ...(files ?? {}),
      // Verified by hand below, so the answer can say which part of the verification failed.
      rejectUnauthorized: false,
    });
    const done = (result: CheckResult): void => {
      if (!settled) {
        settled = true;
        socket.destroy();
        resolve(result);
      }
    };
    socket.setTimeout(target.timeoutMs, () => {
      done(
        fail(
          'tls',
          `the TLS handshake with ${host} did not finish within ${String(target.timeoutMs)} ms`,
          'The port accepts connections but does not speak TLS in time: check that the base URL should be https and uses the right port.',
        ),
      );
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const reason = socket.authorized ? '' : String(socket.authorizationError);
      const wrongHost = reason === 'ERR_TLS_CERT_ALTNAME_INVALID' || checkServerIdentity(host, cert) !== undefined;
      const problem = wrongHost
        ? fail(
            'tls',
            `the EHR's certificate ${describeCertificate(cert)} is not for ${host} (it names ${cert.subjectaltname ?? 'no alternative names'})`,
            `Use the host name the certificate is issued for in ${target.settings}.baseUrl, or ask the EHR supplier for a certificate that names ${host}.`,
          )
        : serverCertificateProblem(target, reason, cert);
      if (problem !== undefined) {
        done(problem);
        return;
      }
      const path = target.url.pathname.replace(/\/+$/, '');
      socket.write(`HEAD ${path}/metadata HTTP/1.1\r\nHost: ${target.url.host}\r\nConnection: close\r\n\r\n`);
      socket.once('data', () => {
        const withClient = clientCert !== undefined ? `, client certificate ${clientCert} accepted` : '';
        done(
          pass(
            'tls',
            `${socket.getProtocol() ?? 'TLS'}; the EHR's certificate ${describeCertificate(cert)} is trusted${withClient}`,
          ),
        );
      });
    });
    socket.once('error', (error) => {
      const code = errorCode(error);
      if (CLIENT_CERT_ALERTS.some((alert) => code.includes(alert))) {
        done(clientCertificateRefused(target, code, clientCert));
        return;
      }
      done(
        fail(
          'tls',
          `the TLS handshake with ${host} failed (${code})`,
          'Check that the base URL should be https and uses the port the EHR serves TLS on; if it does, send this message to the EHR supplier.',
        ),
      );
    });
    socket.once('end', () => {
      // A server that hangs up without answering after the handshake has refused the client (some TLS 1.2 stacks).
      done(clientCertificateRefused(target, 'connection closed after the handshake', clientCert));
    });
  });
}
