/** Asks for a profile's password in a modal dialog; resolves undefined when the user cancels. */
import { byId } from "./dom.js";

export function askPassword(profileName: string, userName: string): Promise<string | undefined> {
  const dialog = byId<HTMLDialogElement>("password-dialog");
  const form = byId<HTMLFormElement>("password-form");
  const input = byId<HTMLInputElement>("password-input");
  byId("password-for").textContent = `${userName} on ${profileName}`;
  input.value = "";
  return new Promise((resolve) => {
    const finish = (password: string | undefined) => {
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("close", onClose);
      input.value = "";
      if (dialog.open) dialog.close();
      resolve(password);
    };
    const onSubmit = (event: SubmitEvent) => {
      event.preventDefault();
      const cancelled = event.submitter?.getAttribute("value") === "cancel";
      finish(cancelled || input.value === "" ? undefined : input.value);
    };
    const onClose = () => finish(undefined);
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    input.focus();
  });
}
