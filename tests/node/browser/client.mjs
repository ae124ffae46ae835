// Clients nobody here wrote, for the browser protocols at the sidecar's REST listener, and connect-node's own gRPC
// client at its gRPC listener. Usage: node client.mjs '<json scenario>'
// Scenario: { client: "connect-web" | "connect-node" | "grpc-web", protocol: "grpc-web" | "connect" (connect-* clients)
//   | "grpc" (connect-node, HTTP/2: for the gRPC listener),
//   binary: true|false (proto or JSON / grpc-web+proto or grpc-web-text), httpVersion: "1.1" | "2" (connect-node),
//   baseUrl, descriptorSet (a FileDescriptorSet file), method: "/pkg.Svc/Method", request: {ProtoJSON}, headers: {k: v},
//   timeoutMs }
// Prints one JSON result: { code (0 = OK), message, messages: [ProtoJSON...], headers: {...}, trailers: {...} }.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createFileRegistry, fromBinary, fromJson, toBinary, toJson } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { createClient, ConnectError, Code } from '@connectrpc/connect';

const require = createRequire(import.meta.url);
const scenario = JSON.parse(process.argv[2]);
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(scenario.descriptorSet)));
const [, serviceName, methodName] = scenario.method.split('/');
const service = registry.getService(serviceName);
if (!service) { throw new Error(`no service ${serviceName} in ${scenario.descriptorSet}`); }
const method = service.methods.find(m => m.name === methodName);
if (!method) { throw new Error(`no method ${methodName} in ${serviceName}`); }
const request = fromJson(method.input, scenario.request || {}, { registry, ignoreUnknownFields: true });
const result = { code: 0, message: '', messages: [], headers: {}, trailers: {} };

function record(target, headers) {
  headers.forEach((value, key) => { target[key] = value; });
}

async function connectTransport() {
  const options = { baseUrl: scenario.baseUrl, useBinaryFormat: !!scenario.binary };
  if (scenario.client === 'connect-web') {
    const web = await import('@connectrpc/connect-web');
    return scenario.protocol === 'grpc-web' ? web.createGrpcWebTransport(options) : web.createConnectTransport(options);
  }
  const node = await import('@connectrpc/connect-node');
  if (scenario.protocol === 'grpc') {
    // gRPC itself (application/grpc+proto, or +json), which needs HTTP/2: for the sidecar's gRPC listener.
    return node.createGrpcTransport({ ...options, httpVersion: '2' });
  }
  options.httpVersion = scenario.httpVersion || '1.1';
  return scenario.protocol === 'grpc-web' ? node.createGrpcWebTransport(options) : node.createConnectTransport(options);
}

async function runConnect() {
  const client = createClient(service, await connectTransport());
  const callOptions = {
    headers: scenario.headers || {},
    timeoutMs: scenario.timeoutMs,
    onHeader: h => record(result.headers, h),
    onTrailer: t => record(result.trailers, t),
  };
  try {
    if (method.methodKind === 'unary') {
      result.messages.push(toJson(method.output, await client[method.localName](request, callOptions), { registry }));
    } else {
      for await (const message of client[method.localName](request, callOptions)) {
        result.messages.push(toJson(method.output, message, { registry }));
      }
    }
  } catch (e) {
    const error = ConnectError.from(e);
    result.code = error.code;
    result.message = error.rawMessage;
    record(result.trailers, error.metadata);
  }
}

// The grpc-web package (grpc/grpc-web) runs on XMLHttpRequest: xhr2 provides it in Node.
function runGrpcWeb() {
  globalThis.XMLHttpRequest = require('xhr2');
  const { GrpcWebClientBase, MethodDescriptor, MethodType } = require('grpc-web');
  const client = new GrpcWebClientBase({ format: scenario.binary ? 'binary' : 'text' });
  const unary = method.methodKind === 'unary';
  const descriptor = new MethodDescriptor(
    scenario.method,
    unary ? MethodType.UNARY : MethodType.SERVER_STREAMING,
    Object, Object,
    message => toBinary(method.input, message),
    bytes => fromBinary(method.output, bytes));
  const metadata = { ...(scenario.headers || {}) };
  if (scenario.timeoutMs) { metadata.deadline = String(Date.now() + scenario.timeoutMs); }
  const url = scenario.baseUrl + scenario.method;
  return new Promise(resolve => {
    let settled = false;
    const done = () => { if (!settled) { settled = true; resolve(); } };
    const onError = err => { result.code = err.code; result.message = err.message; Object.assign(result.trailers, err.metadata || {}); done(); };
    const onStatus = status => { Object.assign(result.trailers, status.metadata || {}); if (status.code !== 0) { result.code = status.code; result.message = status.details; } };
    let stream;
    if (unary) {
      stream = client.rpcCall(url, request, metadata, descriptor, (err, response) => {
        if (err) { onError(err); return; }
        result.messages.push(toJson(method.output, response, { registry }));
        setImmediate(done);
      });
    } else {
      stream = client.serverStreaming(url, request, metadata, descriptor);
      stream.on('data', message => result.messages.push(toJson(method.output, message, { registry })));
      stream.on('error', onError);
      stream.on('end', () => setImmediate(done));
    }
    stream.on('metadata', m => Object.assign(result.headers, m));
    stream.on('status', onStatus);
  });
}

if (scenario.client === 'grpc-web') { await runGrpcWeb(); } else { await runConnect(); }
process.stdout.write(JSON.stringify(result) + '\n');
