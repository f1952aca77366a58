// The mass-delete guard's question: a run refused for selecting more deletions than it makes
// without asking (code "confirmDeletions") asks the user to type their number, then runs again.
import { h, count } from "./dom.mjs";

/**
 * The prompt. `onConfirm(n)` when the user typed the number of deletions `n` and confirmed;
 * `onCancel()` when they cancelled (nothing is written either way until they confirm).
 */
export class ConfirmDeletionsView {
  constructor({ id, onConfirm, onCancel }) {
    this.deletions = 0;
    this.message = h("p", { id: id("confirm-msg"), class: "cos-confirm-msg" });
    this.label = h("label", { htmlFor: id("confirm-n") });
    this.input = h("input", { id: id("confirm-n"), type: "text", inputMode: "numeric", autocomplete: "off" });
    this.confirm = h("button", { type: "submit", id: id("confirm-ok"), class: "cos-primary", disabled: true }, "Confirm");
    this.cancel = h("button", { type: "button", id: id("confirm-cancel"), onclick: () => this.dismiss() }, "Cancel");
    this.onCancel = onCancel;
    this.input.addEventListener("input", () => { this.confirm.disabled = !this.valid(); });
    // Enter submits the form; a disabled Confirm makes the browser ignore it until the number is right.
    const form = h("form", {
      class: "cos-confirm-form",
      onsubmit: (e) => {
        e.preventDefault();
        if (!this.valid()) return;
        const n = this.deletions;
        this.hide();
        onConfirm(n);
      },
    }, this.label, this.input, this.confirm, this.cancel);
    this.node = h("section", {
      id: id("confirm"), class: "cos-confirm", hidden: true,
      "aria-labelledby": id("confirm-h"), "aria-describedby": id("confirm-msg"),
      onkeydown: (e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        this.dismiss();
      },
    }, h("h3", { id: id("confirm-h") }, "Confirm before deleting"), this.message, form);
  }

  /** The number typed as digits, or as the prompt writes it (the reader's locale: "1,234"). */
  valid() {
    const typed = this.input.value.trim();
    return this.deletions > 0 && (typed === String(this.deletions) || typed === count(this.deletions));
  }

  /** Asks to confirm `deletions` (the number selected), more than the guard's `limit`; focus goes to the input. */
  ask(deletions, limit) {
    this.deletions = deletions;
    this.message.textContent = `You selected ${count(deletions)} deletions, more than the ${count(limit)} a run makes without asking.`;
    this.label.textContent = `Type ${count(deletions)} to confirm.`;
    this.node.dataset.deletions = deletions;
    this.node.dataset.limit = limit;
    this.input.value = "";
    this.confirm.disabled = true;
    this.node.hidden = false;
    this.input.focus();
    return `${this.message.textContent} ${this.label.textContent}`;
  }

  dismiss() {
    if (this.node.hidden) return;
    this.hide();
    this.onCancel();
  }

  hide() {
    this.node.hidden = true;
    this.input.value = "";
  }
}
