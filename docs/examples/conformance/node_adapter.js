#!/usr/bin/env node
// An OAuth 1.0a (RFC 5849) signer and verifier in Node.js, standard library only, speaking the
// conformance line protocol (vectors/README.md):
//   python -m oauth1core conformance --exec 'node docs/examples/conformance/node_adapter.js'
'use strict';
const crypto = require('crypto');
const readline = require('readline');

class Refused extends Error {}
class Unsupported extends Error {}

// Section 3.6: UTF-8 octets, unreserved characters kept, upper-case hex for every other octet.
// encodeURIComponent leaves !*'() raw and throws on a lone surrogate.
function percentEncode(text) {
  let encoded;
  try { encoded = encodeURIComponent(text); } catch (e) { throw new Refused('not encodable as UTF-8'); }
  return encoded.replace(/[!*'()]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// The inverse of section 3.6, strictly: "%" + two hex digits, octets that form UTF-8.
function percentDecode(text) {
  const octets = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new Refused('bad percent-escape');
      octets.push(parseInt(hex, 16));
      i += 2;
    } else {
      const code = text.codePointAt(i);
      if (code > 0xffff) i++;
      if (code >= 0xd800 && code <= 0xdfff) throw new Refused('lone surrogate');
      octets.push(...Buffer.from(String.fromCodePoint(code), 'utf8'));
    }
  }
  try { return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(octets)); }
  catch (e) { throw new Refused('not UTF-8'); }
}

const DEFAULT_PORTS = { http: '80', https: '443' };

// Section 3.4.1.2: scheme and host lower-cased, default port dropped, no query or fragment.
function baseStringUri(uri) {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(uri);
  if (!m) throw new Refused('not an absolute URI');
  const scheme = m[1].toLowerCase();
  const authority = m[2].slice(m[2].lastIndexOf('@') + 1);
  const hostPort = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
  if (!hostPort || !hostPort[1]) throw new Refused('bad authority');
  const host = hostPort[1].toLowerCase();
  const port = hostPort[2] && hostPort[2] !== DEFAULT_PORTS[scheme] ? ':' + hostPort[2] : '';
  const path = (m[3] || '/').replace(/[^\x21-\x7e]/gu, (c) => percentEncode(c));
  return scheme + '://' + host + port + path;
}

// Section 3.4.1.3.2: encode, sort by name then value (byte order), join.
function normalizeParameters(params) {
  const pairs = params.map(([n, v]) => [percentEncode(n), percentEncode(v)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => n + '=' + v).join('&');
}

// application/x-www-form-urlencoded, with "+" as a space (sections 3.4.1.3.1, 3.5.2, 3.5.3).
function formParams(text) {
  if (!text) return [];
  return text.split('&').filter((p) => p).map((piece) => {
    const at = piece.indexOf('=');
    const [n, v] = at < 0 ? [piece, ''] : [piece.slice(0, at), piece.slice(at + 1)];
    return [percentDecode(n.replace(/\+/g, ' ')), percentDecode(v.replace(/\+/g, ' '))];
  });
}

function queryOf(uri) {
  const q = /^[^?#]*\?([^#]*)/.exec(uri);
  return q ? q[1] : '';
}

// Section 3.4.1.1.
function signatureBaseString(method, uri, params) {
  const all = formParams(queryOf(uri)).concat(params).filter(([n]) => n !== 'oauth_signature');
  return [percentEncode(method.toUpperCase()), percentEncode(baseStringUri(uri)), percentEncode(normalizeParameters(all))].join('&');
}

const HMAC = { 'HMAC-SHA1': 'sha1', 'HMAC-SHA256': 'sha256', 'HMAC-SHA512': 'sha512' };
const RSA = { 'RSA-SHA1': 'RSA-SHA1', 'RSA-SHA256': 'RSA-SHA256', 'RSA-SHA512': 'RSA-SHA512' };

// Sections 3.4.2 to 3.4.4.
function sign(input) {
  const name = input.signature_method;
  const key = percentEncode(input.client_secret || '') + '&' + percentEncode(input.token_secret || '');
  if (HMAC[name]) return crypto.createHmac(HMAC[name], key).update(input.base_string, 'utf8').digest('base64');
  if (name === 'PLAINTEXT') return key;
  if (RSA[name] && input.rsa_private_key) return crypto.createSign(RSA[name]).update(input.base_string, 'utf8').sign(input.rsa_private_key, 'base64');
  if (RSA[name]) throw new Unsupported('no private key');
  throw new Refused('unknown signature method');
}

function verify(input, provided) {
  const name = input.signature_method;
  if (RSA[name]) {
    const pem = input.rsa_public_key || input.certificate || input.rsa_private_key;
    const key = crypto.createPublicKey(pem);
    return crypto.createVerify(RSA[name]).update(input.base_string, 'utf8').verify(key, provided, 'base64');
  }
  const expected = Buffer.from(sign(input));
  const given = Buffer.from(provided);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given);
}

// Section 3.5.1: OAuth name="value", ... (realm excluded from the signature).
function headerParams(headers) {
  const name = Object.keys(headers).find((h) => h.toLowerCase() === 'authorization');
  if (!name || !/^oauth\s/i.test(headers[name])) return [];
  const rest = headers[name].replace(/^oauth\s+/i, '');
  const out = [];
  let realms = 0;
  for (const item of rest.split(',')) {
    if (!item.trim()) continue;
    const m = /^\s*([^=\s]+)\s*=\s*"([^"]*)"\s*$/.exec(item);
    if (!m) throw new Refused('malformed Authorization header');
    if (m[1] !== 'realm') out.push([percentDecode(m[1]), percentDecode(m[2])]);
    else if (++realms > 1) throw new Refused('duplicated realm');
  }
  return out;
}

const PROTOCOL = new Set(['oauth_consumer_key', 'oauth_token', 'oauth_signature_method', 'oauth_signature',
  'oauth_timestamp', 'oauth_nonce', 'oauth_version', 'oauth_callback', 'oauth_verifier', 'oauth_body_hash']);

// Sections 3.2 and 3.5: one place for the protocol parameters, each once, the required ones present.
function protocolParameters(places) {
  const used = places.filter((p) => p.some(([n]) => n.startsWith('oauth_')));
  if (used.length > 1) throw new Refused('protocol parameters in more than one place');
  const oauth = {};
  for (const [n, v] of used[0] || []) {
    if (!n.startsWith('oauth_')) continue;
    if (n in oauth) throw new Refused('duplicated ' + n);
    if (!PROTOCOL.has(n)) throw new Refused('unsupported ' + n);
    oauth[n] = v;
  }
  const method = oauth.oauth_signature_method;
  const required = ['oauth_consumer_key', 'oauth_signature_method', 'oauth_signature'];
  if (method !== 'PLAINTEXT') required.push('oauth_timestamp', 'oauth_nonce');
  for (const n of required) if (!(n in oauth)) throw new Refused('missing ' + n);
  if ('oauth_version' in oauth && oauth.oauth_version !== '1.0') throw new Refused('oauth_version must be 1.0');
  if (!HMAC[method] && !RSA[method] && method !== 'PLAINTEXT') throw new Refused('unsupported signature method');
  if ('oauth_timestamp' in oauth && !/^[1-9][0-9]*$/.test(oauth.oauth_timestamp)) throw new Refused('bad timestamp');
  return oauth;
}

function request(input) {
  const headers = input.headers || {};
  const type = Object.keys(headers).find((h) => h.toLowerCase() === 'content-type');
  const isForm = type && headers[type].split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
  const query = formParams(queryOf(input.uri));
  const body = isForm ? formParams(input.body || '') : [];
  const header = headerParams(headers);
  const oauth = protocolParameters([header, query, body]);
  const base = signatureBaseString(input.method, input.uri, body.concat(header));
  const signing = Object.assign({}, input, { signature_method: oauth.oauth_signature_method, base_string: base });
  const out = { base_string: base, valid: verify(signing, oauth.oauth_signature) };
  try { out.signature = sign(signing); } catch (e) { if (!(e instanceof Unsupported)) throw e; }
  return out;
}

const HANDLERS = {
  percent_encode: (i) => percentEncode(i.value),
  percent_decode: (i) => percentDecode(i.value),
  base_string_uri: (i) => baseStringUri(i.uri),
  normalize_parameters: (i) => normalizeParameters(i.params),
  signature_base_string: (i) => signatureBaseString(i.method, i.uri, i.params),
  signature: sign,
  request,
};

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const message = JSON.parse(line);
  const handler = HANDLERS[message.kind];
  let answer;
  try {
    answer = handler ? { id: message.id, output: handler(message.input) } : { id: message.id, unsupported: true };
  } catch (e) {
    answer = e instanceof Unsupported ? { id: message.id, unsupported: true } : { id: message.id, error: String(e.message || e) };
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});
