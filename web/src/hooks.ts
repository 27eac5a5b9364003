import { useEffect, useReducer, useRef } from "preact/hooks";
import { subscribe } from "./store";

/** Re-renders the component whenever the store changes. */
export function useStore() {
  const [, bump] = useReducer((n: number, _: unknown) => n + 1, 0);
  useEffect(() => {
    const unsubscribe = subscribe(() => bump(undefined));
    return () => void unsubscribe();
  }, []);
}

/** A modal <dialog> that opens on mount: focus stays inside and Escape closes it. */
export function useModal(onClose: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    dialog.showModal();
    const close = () => onClose();
    dialog.addEventListener("close", close);
    return () => dialog.removeEventListener("close", close);
  }, []);
  return ref;
}
