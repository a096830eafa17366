// What the phone keeps, in IndexedDB: it survives a closed tab, a reboot and days offline.
//   items        observations waiting to be sent (key: their UUID), photos as Blobs
//   diagnostics  diagnostics started on the phone (key: their UUID)
//   meta         the last bundle received, the communes taken along
"use strict";

const Store = (() => {
  const NAME = "psq-terrain";
  const VERSION = 1;
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = indexedDB.open(NAME, VERSION);
        request.onupgradeneeded = () => {
          const db = request.result;
          db.createObjectStore("items", { keyPath: "uuid" });
          db.createObjectStore("diagnostics", { keyPath: "uuid" });
          db.createObjectStore("meta");
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opening;
  }

  // One request in its own transaction, resolved when the transaction has committed.
  async function run(storeName, mode, action) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = action(tx.objectStore(storeName));
      let result;
      request.onsuccess = () => { result = request.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("transaction annulée"));
    });
  }

  const all = (storeName) => run(storeName, "readonly", (s) => s.getAll());
  const get = (storeName, key) => run(storeName, "readonly", (s) => s.get(key));
  const put = (storeName, value, key) => run(storeName, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
  const remove = (storeName, key) => run(storeName, "readwrite", (s) => s.delete(key));

  // Ask the browser not to evict our data under storage pressure (days offline).
  async function persist() {
    if (navigator.storage && navigator.storage.persist) {
      try { await navigator.storage.persist(); } catch (e) { /* not granted: data stays, best effort */ }
    }
  }

  return {
    items: () => all("items"),
    item: (uuid) => get("items", uuid),
    saveItem: (item) => put("items", item),
    deleteItem: (uuid) => remove("items", uuid),
    diagnostics: () => all("diagnostics"),
    saveDiagnostic: (diagnostic) => put("diagnostics", diagnostic),
    getMeta: (key) => get("meta", key),
    setMeta: (key, value) => put("meta", value, key),
    persist,
  };
})();
