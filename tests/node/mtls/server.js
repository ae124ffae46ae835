// A grpc-js server that requires mTLS: it presents its own workload certificate, asks every client for one and checks
// it against the CA, and answers users.v1.UserService/GetUser with the client's SPIFFE ID as grpc-js verified it (the
// display_name of the user). It is the upstream of a sidecar cluster with `tls: { spiffeId }`.
// Usage: node mtls/server.js <ca.pem> <cert.pem> <key.pem>; prints "LISTENING <port>" and runs until stdin closes.
'use strict';
const fs = require('fs');
const { grpc, load } = require('../interop/protos');

const [caFile, certFile, keyFile] = process.argv.slice(2);
const { proto } = load();

function getUser(call, callback) {
  const peer = call.getAuthContext();
  const certificate = peer && peer.sslPeerCertificate;
  const ids = String((certificate && certificate.subjectaltname) || '').split(', ')
    .filter((name) => name.startsWith('URI:spiffe://')).map((name) => name.slice('URI:'.length));
  callback(null, {
    user_id: call.request.user_id,
    display_name: ids.join(','),
    labels: { transport: String(peer && peer.transportSecurityType) },
  });
}

const server = new grpc.Server();
server.addService(proto.users.v1.UserService.service, { getUser });
const credentials = grpc.ServerCredentials.createSsl(
  fs.readFileSync(caFile),
  [{ private_key: fs.readFileSync(keyFile), cert_chain: fs.readFileSync(certFile) }],
  true);
server.bindAsync('127.0.0.1:0', credentials, (error, port) => {
  if (error) {
    process.stderr.write(String(error) + '\n');
    process.exit(1);
  }
  process.stdout.write(`LISTENING ${port}\n`);
});
process.stdin.on('end', () => server.tryShutdown(() => process.exit(0)));
process.stdin.resume();
