// A gRPC server reflection client on grpc-js, built from @grpc/reflection's own client-side protos (its
// build/proto/grpc/reflection/{v1,v1alpha}/reflection.proto), as a Node tool such as grpcurl's peers would speak it.
// Usage: node reflection/client.js '{"target":"127.0.0.1:PORT","version":"v1","requests":[{"listServices":""},...]}'
// Sends the requests on one ServerReflectionInfo stream and prints one JSON answer per request: the services listed,
// the file names (and their services) of a file_descriptor_response, or the error response; or {"code","details"} when
// the call itself fails.
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const descriptor = require('protobufjs/ext/descriptor');

const scenario = JSON.parse(process.argv[2]);
const version = scenario.version || 'v1';
const protoRoot = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
const definition = protoLoader.loadSync(`grpc/reflection/${version}/reflection.proto`, {
  includeDirs: [protoRoot],
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const ServerReflection = grpc.loadPackageDefinition(definition).grpc.reflection[version].ServerReflection;
const client = new ServerReflection(scenario.target, grpc.credentials.createInsecure());

function describe(response) {
  if (response.listServicesResponse) {
    return { services: response.listServicesResponse.service.map(s => s.name).sort() };
  }
  if (response.fileDescriptorResponse) {
    const files = response.fileDescriptorResponse.fileDescriptorProto.map(bytes => {
      const file = descriptor.FileDescriptorProto.decode(bytes);
      return {
        name: file.name,
        package: file.package,
        services: (file.service || []).map(s => ({ name: s.name, methods: (s.method || []).map(m => m.name) })),
        messages: (file.messageType || []).map(m => m.name),
      };
    });
    return { files };
  }
  if (response.errorResponse) {
    return { error: { code: response.errorResponse.errorCode, message: response.errorResponse.errorMessage } };
  }
  return { other: Object.keys(response) };
}

const answers = [];
const call = client.serverReflectionInfo({ deadline: Date.now() + 30000 });
let pending = scenario.requests.slice();
call.on('data', response => {
  answers.push(describe(response));
  if (pending.length > 0) {
    call.write(pending.shift());
  } else {
    call.end();
  }
});
call.on('error', err => {
  process.stdout.write(JSON.stringify({ code: err.code, details: err.details, answers }));
  process.exit(0);
});
call.on('end', () => {
  process.stdout.write(JSON.stringify({ code: 0, answers }));
  client.close();
});
call.write(pending.shift());
