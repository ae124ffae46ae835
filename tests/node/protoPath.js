// The proto include path the tests hand every node peer: protos/ and Google.Api.CommonProtos' google/api and google/rpc
// (TestSupport's NodePeers sets MESHPROXY_PROTO_PATH, joined by the platform's path delimiter).
'use strict';
const path = require('path');

const value = process.env.MESHPROXY_PROTO_PATH;
if (!value) {
  throw new Error('MESHPROXY_PROTO_PATH is not set: run the node peers through the tests (TestSupport NodePeers).');
}
module.exports = value.split(path.delimiter);
