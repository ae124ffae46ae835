// A grpc-js client for MeshProxy functional tests. Usage: node client.js '<json scenario>'
// Scenario: { target, method: "/pkg.Svc/Method", metadata: {k: v | {bin: base64}}, deadlineMs, send: N (messages for
// client/bidi streams), cancelAfterMs, calls: N (concurrent calls on one channel; default 1), request: {...} (the
// request message; default empty) }.
// Prints one JSON result per call in a list: { code, details, headers, trailers, messages, response (the last one) }.
'use strict';
const { load } = require('./protos');

const scenario = JSON.parse(process.argv[2]);
const { grpc, services } = load(scenario.method.startsWith('/grpc.health.v1.Health/') ? ['grpc/health/v1/health.proto'] : []);

function findMethod(path) {
  for (const service of services) {
    for (const method of Object.values(service.definition)) {
      if (method.path === path) { return method; }
    }
  }
  // A method no service defines (a no-route test): unary with raw bytes.
  return { path, requestStream: false, responseStream: false, requestSerialize: b => Buffer.alloc(0), responseDeserialize: b => b };
}

function toObject(metadata) {
  const out = {};
  for (const [key, values] of Object.entries(metadata.getMap())) {
    out[key] = Buffer.isBuffer(values) ? { bin: values.toString('base64') } : String(values);
  }
  return out;
}

function call(client, method) {
  return new Promise(resolve => {
    const md = new grpc.Metadata();
    for (const [key, value] of Object.entries(scenario.metadata || {})) {
      md.set(key, typeof value === 'object' ? Buffer.from(value.bin, 'base64') : String(value));
    }
    const options = scenario.deadlineMs ? { deadline: new Date(Date.now() + scenario.deadlineMs) } : {};
    const result = { code: null, details: null, headers: null, trailers: null, messages: 0 };
    const onStatus = status => {
      result.code = status.code;
      result.details = status.details;
      result.trailers = toObject(status.metadata);
      setImmediate(() => resolve(result));
    };
    const path = method.path;
    const serialize = method.requestSerialize;
    const deserialize = method.responseDeserialize;
    let c;
    const request = scenario.request || {};
    const callback = (err, response) => { if (!err && response) { result.messages++; result.response = response; } };
    if (!method.requestStream && !method.responseStream) {
      c = client.makeUnaryRequest(path, serialize, deserialize, request, md, options, callback);
    } else if (!method.requestStream) {
      c = client.makeServerStreamRequest(path, serialize, deserialize, request, md, options);
    } else if (!method.responseStream) {
      c = client.makeClientStreamRequest(path, serialize, deserialize, md, options, callback);
    } else {
      c = client.makeBidiStreamRequest(path, serialize, deserialize, md, options);
    }
    c.on('metadata', m => { result.headers = toObject(m); });
    c.on('status', onStatus);
    c.on('error', () => {});
    if (method.responseStream) {
      c.on('data', message => { result.messages++; result.response = message; });
    }
    if (method.requestStream) {
      for (let i = 0; i < (scenario.send || 0); i++) { c.write({}); }
      c.end();
    }
    if (scenario.cancelAfterMs) {
      setTimeout(() => c.cancel(), scenario.cancelAfterMs);
    }
  });
}

async function main() {
  const method = findMethod(scenario.method);
  const client = new grpc.Client(scenario.target, grpc.credentials.createInsecure());
  const calls = [];
  for (let i = 0; i < (scenario.calls || 1); i++) { calls.push(call(client, method)); }
  const results = await Promise.all(calls);
  client.close();
  process.stdout.write(JSON.stringify(results) + '\n');
}

main().catch(err => { console.error(err); process.exit(1); });
