// The newest session, kept in IndexedDB for the hand-off between tabs under the refresh lock.
// localStorage is not enough there: Chromium updates other tabs' copies of it asynchronously,
// so a tab that waited for the lock could still read the refresh token just rotated, and
// presenting a rotated refresh token revokes the whole session. IndexedDB reads see every
// committed write.

const DATABASE = "palaver";
const STORE = "session";
const KEY = "current";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest): Promise<T> {
  const database = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result as T);
      transaction.onerror = () => reject(transaction.error);
    });
  } finally {
    database.close();
  }
}

export const readShared = <T>() => run<T | undefined>("readonly", (store) => store.get(KEY));
export const writeShared = (value: unknown) => run<void>("readwrite", (store) => store.put(value, KEY));
export const clearShared = () => run<void>("readwrite", (store) => store.delete(KEY));
