/**
 * The viewer's server (docs/viewer.md): bound to 127.0.0.1 only, it serves one page, the page's
 * scripts (its own and Preact's, from this package's dependencies, so nothing is fetched from the
 * internet), and the traces it was given as JSON: each trace's index, windows of its events, and
 * each statechart's layout. Requests whose Host is not this loopback address are refused, so a web
 * page elsewhere cannot read the traces through DNS rebinding.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { CLUSTER_STATECHARTS } from '../cluster/statecharts.js';
import { layoutStatechart } from './statechart-layout.js';
import type { StatechartLayout } from './statechart-layout.js';
import type { IndexedTrace } from './trace-index.js';

/** Options of {@link startViewer}. */
export interface ViewerOptions {
  readonly traces: readonly IndexedTrace[];
  /** The TCP port; 0 picks a free one. */
  readonly port: number;
}

/** A running viewer. */
export interface RunningViewer {
  /** The page's address, e.g. `http://127.0.0.1:7357/`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Thrown when the port cannot be had; the message names it. */
export class ViewerPortError extends Error {}

export const VIEWER_HOST = '127.0.0.1';

const here = dirname(fileURLToPath(import.meta.url));
/** The page's files: next to this file in the sources, or found from the compiled copy in dist/. */
const PAGE_DIR = [join(here, 'page'), join(here, '..', '..', '..', 'src', 'viz', 'page')].find((dir) => existsSync(join(dir, 'index.html'))) ?? join(here, 'page');
/** Files the page imports, by the path it asks for (the page's import map names them). */
const VENDOR: Record<string, () => string> = {
  '/vendor/preact.mjs': () => fileURLToPath(import.meta.resolve('preact')),
  '/vendor/preact-hooks.mjs': () => fileURLToPath(import.meta.resolve('preact/hooks')),
  '/vendor/htm.mjs': () => fileURLToPath(import.meta.resolve('htm')),
};
const PAGE: Record<string, string> = { '/': 'index.html', '/index.html': 'index.html', '/app.js': 'app.js', '/style.css': 'style.css' };
const TYPES: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

/** Starts the server (see the file header); resolves once it listens. */
export async function startViewer(options: ViewerOptions): Promise<RunningViewer> {
  const traces = new Map(options.traces.map((trace) => [trace.index.id, trace]));
  const indexJson = new Map<string, string>();
  const layouts = new Map<string, Promise<StatechartLayout>>();
  let port = options.port;

  const send = (response: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    response.end(body);
  };
  const json = (response: ServerResponse, status: number, value: unknown): void => send(response, status, 'application/json; charset=utf-8', typeof value === 'string' ? value : JSON.stringify(value));
  const fail = (response: ServerResponse, status: number, error: string): void => json(response, status, { error });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const host = request.headers.host ?? '';
    if (host !== `${VIEWER_HOST}:${port}` && host !== `localhost:${port}`) return fail(response, 403, `the viewer answers only at ${VIEWER_HOST}:${port}`);
    if (request.method !== 'GET') return fail(response, 405, 'the viewer answers GET only');
    const url = new URL(request.url ?? '/', `http://${host}`);
    const path = url.pathname;
    if (path === '/favicon.ico') return send(response, 204, 'image/x-icon', '');
    const page = PAGE[path];
    if (page !== undefined) return send(response, 200, TYPES[page.split('.').pop() as string] as string, readFileSync(join(PAGE_DIR, page)));
    const vendor = VENDOR[path];
    if (vendor !== undefined) return send(response, 200, TYPES.mjs as string, readFileSync(vendor()));
    if (path === '/api/traces') {
      return json(response, 200, [...traces.values()].map(({ index }) => ({ id: index.id, file: index.file, events: index.events, header: index.header })));
    }
    const traceId = url.searchParams.get('trace') ?? '';
    if (path === '/api/index' || path === '/api/events') {
      const trace = traces.get(traceId);
      if (trace === undefined) return fail(response, 404, `no trace "${traceId}"; this viewer has ${[...traces.keys()].join(', ') || 'none'}`);
      if (path === '/api/index') {
        let body = indexJson.get(traceId);
        if (body === undefined) {
          body = JSON.stringify(trace.index);
          indexJson.set(traceId, body);
        }
        return json(response, 200, body);
      }
      const from = Number(url.searchParams.get('from'));
      const to = Number(url.searchParams.get('to'));
      if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from) return fail(response, 400, 'events needs integer from and to, 0 <= from <= to');
      return json(response, 200, trace.eventsBetween(from, to));
    }
    if (path === '/api/statechart') {
      const name = url.searchParams.get('machine') ?? '';
      const chart = CLUSTER_STATECHARTS.find((candidate) => candidate.name === name);
      if (chart === undefined) return fail(response, 404, `no machine "${name}"; allowed: ${CLUSTER_STATECHARTS.map((candidate) => candidate.name).join(', ')}`);
      let layout = layouts.get(name);
      if (layout === undefined) {
        layout = layoutStatechart(chart.machine);
        layouts.set(name, layout);
      }
      return json(response, 200, await layout);
    }
    return fail(response, 404, `nothing at ${path}`);
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => fail(response, 500, (error as Error).message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ViewerPortError(
          error.code === 'EADDRINUSE' ? `--port ${options.port}: already in use on ${VIEWER_HOST}; give another port (or 0 for any free one)` : `--port ${options.port}: cannot listen on ${VIEWER_HOST} (${error.code ?? error.message})`,
        ),
      );
    });
    server.listen(options.port, VIEWER_HOST, () => resolve());
  });
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${VIEWER_HOST}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
