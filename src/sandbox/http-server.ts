/**
 * What both embedded servers (the FHIR sandbox and the MESH sandbox) need from node:http: closing promptly, and
 * the URL host a client reaches them on.
 */
import type { Server } from 'node:http';

export function closeServer(server: Server): Promise<void> {
  if (!server.listening) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    server.close((err) => {
      if (err) {
        reject(err);
      } else {
        resolve();
      }
    });
    // Keep-alive sockets would otherwise hold the port until they time out.
    server.closeAllConnections();
  });
}

/** A host clients can connect to: a wildcard listen address is reached through loopback. */
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') {
    return '127.0.0.1';
  }
  return host.includes(':') ? `[${host}]` : host;
}
