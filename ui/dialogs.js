// A small accessible confirm dialog on the <dialog id="confirm-dialog"> element
// (showModal: focus is trapped, Escape cancels). Resolves true or false.

import { h, clear } from './dom.js';

let pending = null;

/**
 * @param {HTMLDialogElement} dialog
 * @param {{ title: string, text: string, confirmLabel: string, cancelLabel: string }} o
 * @returns {Promise<boolean>}
 */
export function confirmDialog(dialog, o) {
  if (pending) pending(false);
  const opener = document.activeElement;
  clear(dialog);
  const titleId = 'confirm-title';
  const textId = 'confirm-text';
  dialog.setAttribute('aria-labelledby', titleId);
  dialog.setAttribute('aria-describedby', textId);
  dialog.setAttribute('role', 'alertdialog');
  const cancelBtn = h('button', { type: 'button', class: 'btn', id: 'confirm-no', value: 'cancel' }, o.cancelLabel);
  const okBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'confirm-yes', value: 'ok' }, o.confirmLabel);
  dialog.appendChild(h('div', { class: 'dialog-body' },
    h('h2', { id: titleId, class: 'dialog-title' }, o.title),
    h('p', { id: textId }, o.text),
  ));
  dialog.appendChild(h('div', { class: 'dialog-actions' }, cancelBtn, okBtn));

  return new Promise((resolve) => {
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      pending = null;
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(result);
    };
    const onCancel = (e) => { e.preventDefault(); finish(false); };
    pending = finish;
    dialog.addEventListener('cancel', onCancel);
    cancelBtn.addEventListener('click', () => finish(false));
    okBtn.addEventListener('click', () => finish(true));
    dialog.showModal();
    cancelBtn.focus();
  });
}
