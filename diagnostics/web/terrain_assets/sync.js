// Sending what waits on the phone to POST /api/terrain/sync, in batches, once at a time.
// Every item keeps its UUID: the server stores it once however often it is sent, so a lost
// answer or a cut connection is handled by sending again.
"use strict";

const Sync = (() => {
  const BATCH_ITEMS = 10;
  const BATCH_BYTES = 6 * 1024 * 1024;
  let running = null;

  class LoginNeeded extends Error {}
  class ServerRefusal extends Error {} // the server's own French message (not the browser's)

  async function payloadOf(item, localDiagnostics) {
    const photos = [];
    for (const photo of item.photos || []) photos.push(await Geo.blobToBase64(photo.blob));
    const local = item.diagnostic_uuid ? localDiagnostics.get(item.diagnostic_uuid) : null;
    return {
      uuid: item.uuid,
      diagnostic_id: local ? null : item.diagnostic_id,
      diagnostic: local ? local.fields : null,
      observation: item.observation,
      photos,
      photos_shareable: !!item.photos_shareable,
      login: item.login, // the server refuses it under any other account
    };
  }

  async function post(batch) {
    const response = await fetch("/api/terrain/sync", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ items: batch }),
    });
    let body = null;
    try { body = await response.json(); } catch (e) { /* not JSON: a proxy's error page */ }
    const reason = body && body.erreur;
    if (response.status === 401) throw new LoginNeeded(reason || "Connectez-vous pour envoyer vos observations.");
    if (!response.ok) throw new ServerRefusal(reason || `le serveur a répondu ${response.status}`);
    return body.resultats;
  }

  async function apply(results, items) {
    const byUuid = new Map(items.map((item) => [item.uuid, item]));
    const counts = { accepted: 0, refused: 0, retry: 0 };
    for (const result of results) {
      const item = byUuid.get(result.uuid);
      if (!item) continue;
      if (result.statut === "acceptee") {
        counts.accepted += 1;
        if (item.diagnostic_uuid) await rememberServerId(item.diagnostic_uuid, result.diagnostic_id);
        await Store.deleteItem(item.uuid);
      } else {
        counts[result.statut === "refusee" ? "refused" : "retry"] += 1;
        item.status = result.statut === "refusee" ? "refused" : "pending";
        item.errors = result.erreurs || {};
        if (item.diagnostic_uuid && result.diagnostic_id) await rememberServerId(item.diagnostic_uuid, result.diagnostic_id);
        await Store.saveItem(item);
      }
    }
    return counts;
  }

  async function rememberServerId(uuid, serverId) {
    const all = await Store.diagnostics();
    const local = all.find((d) => d.uuid === uuid);
    if (local && serverId && local.server_id !== serverId) {
      local.server_id = serverId;
      await Store.saveDiagnostic(local);
    }
  }

  // Items this account may send: its own, not refused (those wait to be fixed).
  const sendable = (item, login) => !!login && item.login === login && item.status !== "refused";

  // Pending items of this account, sent in batches; returns the counts.
  async function sendPending(login) {
    const items = (await Store.items())
      .filter((item) => sendable(item, login))
      .sort((a, b) => a.created_at.localeCompare(b.created_at)); // in the order they were recorded
    const localDiagnostics = new Map((await Store.diagnostics()).map((d) => [d.uuid, d]));
    const total = { accepted: 0, refused: 0, retry: 0 };
    let batch = [];
    let batchItems = [];
    let size = 0;
    const flush = async () => {
      if (!batch.length) return;
      const counts = await apply(await post(batch), batchItems);
      for (const key of Object.keys(total)) total[key] += counts[key];
      batch = [];
      batchItems = [];
      size = 0;
    };
    for (const item of items) {
      const payload = await payloadOf(item, localDiagnostics);
      const bytes = payload.photos.reduce((sum, p) => sum + p.length, 2000);
      if (batch.length && (batch.length >= BATCH_ITEMS || size + bytes > BATCH_BYTES)) await flush();
      batch.push(payload);
      batchItems.push(item);
      size += bytes;
    }
    await flush();
    return total;
  }

  // One sync at a time, in this tab and (where the browser can) across tabs.
  function run(login) {
    if (!running) {
      const send = () => sendPending(login);
      const job = navigator.locks ? navigator.locks.request("psq-terrain-sync", send) : send();
      running = job.finally(() => { running = null; });
    }
    return running;
  }

  // « Envoi terminé : 2 envoyée(s), 1 à corriger. » — what one send did (another tab may have sent
  // the rest); "" when it did nothing and nobody asked.
  function summary(counts, manual) {
    const parts = [];
    if (counts.accepted) parts.push(`${counts.accepted} envoyée(s)`);
    if (counts.refused) parts.push(`${counts.refused} à corriger (voir « En attente d'envoi »)`);
    if (counts.retry) parts.push(`${counts.retry} à renvoyer plus tard`);
    if (!parts.length) return manual ? "Rien à envoyer." : "";
    return `Envoi terminé : ${parts.join(", ")}.`;
  }

  // A reason the agent can read: the server's French message, never the browser's own text.
  function reason(err) {
    return err instanceof ServerRefusal ? err.message : "le réseau ou le serveur ne répond pas";
  }

  return { run, sendable, summary, reason, LoginNeeded, ServerRefusal, isRunning: () => running !== null };
})();
