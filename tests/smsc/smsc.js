// A small SMS centre for the tests, on loopback: the npm package `smpp` (server side) speaks the
// protocol; this script only decides what to answer and records what it received.
//
//   node tests/smsc/smsc.js PORT CONTROL_PORT SYSTEM_ID PASSWORD LOG_FILE
//
// - bind_transceiver / bind_transmitter / bind_receiver: accepted with SYSTEM_ID and PASSWORD only;
// - submit_sm: one JSON line per part in LOG_FILE (decoded by the package: text, udh, data_coding…),
//   answered with a message_id; a delivery receipt follows when registered_delivery asks for one
//   (stat:DELIVRD, or stat:UNDELIV for the numbers POSTed to /undeliverable);
// - POST /throttle {"count": N}: the next N submit_sm are refused with ESME_RTHROTTLED;
// - POST /mo {"from": "33612345678", "text": "STOP"}: an inbound message, delivered (deliver_sm) to
//   the bound sessions that can receive, or kept until one binds;
// - GET /health: "ok". The script prints "READY" once both ports listen.
'use strict';
const fs = require('fs');
const http = require('http');
const smpp = require('smpp');

const [port, controlPort, systemId, password, logFile] = process.argv.slice(2);
const receivers = new Set();
const inbound = [];
const undeliverable = new Set();
let throttle = 0;
let nextId = 1;

function record(entry) {
  fs.appendFileSync(logFile, JSON.stringify(entry) + '\n');
}

function smppTime(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${String(date.getUTCFullYear()).slice(2)}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}`;
}

function flushInbound() {
  for (const session of receivers) {
    while (inbound.length) {
      const mo = inbound.shift();
      session.deliver_sm({
        source_addr_ton: 1, source_addr_npi: 1, source_addr: mo.from,
        dest_addr_ton: 0, dest_addr_npi: 0, destination_addr: mo.to || 'PSQ',
        esm_class: 0, short_message: mo.text,
      });
      record({ event: 'mo_delivered', from: mo.from, text: mo.text });
    }
    return;
  }
}

const server = smpp.createServer((session) => {
  let bound = false;
  function bind(kind, canReceive) {
    session.on(kind, (pdu) => {
      if (pdu.system_id !== systemId || pdu.password !== password) {
        record({ event: 'bind_refused', system_id: pdu.system_id });
        session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
        session.close();
        return;
      }
      bound = true;
      session.send(pdu.response({ system_id: 'psq-test-smsc' }));
      record({ event: 'bound', kind, system_id: pdu.system_id });
      if (canReceive) {
        receivers.add(session);
        flushInbound();
      }
    });
  }
  bind('bind_transceiver', true);
  bind('bind_transmitter', false);
  bind('bind_receiver', true);
  session.on('submit_sm', (pdu) => {
    if (!bound) {
      session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    if (throttle > 0) {
      throttle -= 1;
      record({ event: 'throttled', to: pdu.destination_addr });
      session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
      return;
    }
    const id = `m${nextId++}`;
    const message = pdu.short_message || {};
    record({
      event: 'submit_sm', message_id: id, to: pdu.destination_addr, to_ton: pdu.dest_addr_ton,
      from: pdu.source_addr, from_ton: pdu.source_addr_ton, data_coding: pdu.data_coding,
      esm_class: pdu.esm_class, registered_delivery: pdu.registered_delivery,
      udh: message.udh ? Buffer.from(message.udh[0] || message.udh).toString('hex') : null,
      text: typeof message.message === 'string' ? message.message : String(message.message || ''),
    });
    session.send(pdu.response({ message_id: id }));
    if (pdu.registered_delivery & 1) {
      const now = new Date();
      const failed = undeliverable.has(pdu.destination_addr);
      const stat = failed ? 'UNDELIV' : 'DELIVRD';
      setTimeout(() => {
        session.deliver_sm({
          source_addr_ton: 1, source_addr_npi: 1, source_addr: pdu.destination_addr,
          destination_addr: pdu.source_addr, esm_class: 0x04,
          short_message: `id:${id} sub:001 dlvrd:${failed ? '000' : '001'} submit date:${smppTime(now)} ` +
            `done date:${smppTime(new Date())} stat:${stat} err:${failed ? '001' : '000'} text:`,
          receipted_message_id: id, message_state: failed ? 5 : 2,
        });
        record({ event: 'receipt', message_id: id, stat });
      }, 50);
    }
  });
  session.on('deliver_sm_resp', () => {});
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => {
    receivers.delete(session);
    session.send(pdu.response());
    session.close();
  });
  session.on('close', () => receivers.delete(session));
  session.on('error', () => receivers.delete(session));
});

const control = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => { body += chunk; });
  request.on('end', () => {
    const data = body ? JSON.parse(body) : {};
    if (request.method === 'POST' && request.url === '/mo') {
      inbound.push(data);
      flushInbound();
    } else if (request.method === 'POST' && request.url === '/undeliverable') {
      undeliverable.add(data.to);
    } else if (request.method === 'POST' && request.url === '/throttle') {
      throttle = data.count;
    } else if (request.url !== '/health') {
      response.writeHead(404);
      response.end('not found');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain' });
    response.end('ok');
  });
});

server.listen(Number(port), '127.0.0.1', () => {
  control.listen(Number(controlPort), '127.0.0.1', () => console.log('READY'));
});
