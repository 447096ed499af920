// node:http as its CommonJS object, never as an ES module. Importing node:http as an ES module
// builds its namespace, which reads the lazy WebSocket, CloseEvent and MessageEvent getters, and so
// loads Node's bundled undici with http2, zlib and web streams: +14 MiB RSS for a probe that uses
// none of them (measured: `node --input-type=module -e "import 'node:http'"` 58 MiB against 44 MiB).
// Runtime modules take http from here; eslint.config.js forbids the ES import elsewhere.
import type httpTypes from 'node:http';

export const http: typeof httpTypes = process.getBuiltinModule('node:http');
