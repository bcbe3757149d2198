// Starts a test HTTP server on 127.0.0.1 (random port) and closes it with every open connection.
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1:0 and returns `http://127.0.0.1:<port>`. */
export async function listenHttpLoopback(server: http.Server): Promise<string> {
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Drops keep-alive and in-flight connections, then waits for the server to close. */
export async function closeHttpServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
