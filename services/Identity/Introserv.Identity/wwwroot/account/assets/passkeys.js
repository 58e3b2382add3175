// Passkeys on the account pages: a form with id "passkey-form" and data-options (the URL that answers the WebAuthn
// request options) is shown when the browser supports passkeys. Submitting it asks the authenticator and posts the
// signed answer (PublicKeyCredential.toJSON()) with the ceremony id the options came with.
(() => {
  const form = document.getElementById("passkey-form");
  if (!form || !window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) {
    return;
  }

  form.hidden = false;
  const token = form.querySelector("input[name='__RequestVerificationToken']");
  const showError = (message) => {
    let alert = document.getElementById("passkey-error");
    if (!alert) {
      alert = document.createElement("p");
      alert.id = "passkey-error";
      alert.className = "alert error";
      alert.setAttribute("role", "alert");
      form.prepend(alert);
    }
    alert.textContent = message;
  };

  form.addEventListener("submit", async (event) => {
    if (form.elements.credential.value) {
      return;
    }

    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const answer = await fetch(form.dataset.options, {
        method: "POST",
        headers: { "RequestVerificationToken": token ? token.value : "" },
        credentials: "same-origin",
      });
      if (!answer.ok) {
        showError(answer.status === 429
          ? "Too many attempts. Wait a little and try again."
          : "Passkeys cannot be used right now. Reload the page and try again.");
        return;
      }

      const { ceremony, options } = await answer.json();
      const credential = await navigator.credentials.get({
        publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
      });
      form.elements.ceremony.value = ceremony;
      form.elements.credential.value = JSON.stringify(credential.toJSON());
      form.submit();
    } catch (error) {
      showError(error && error.name === "NotAllowedError"
        ? "The passkey was not used. Try again, or sign in another way."
        : "The passkey could not be used. Try again, or sign in another way.");
    } finally {
      button.disabled = false;
    }
  });
})();
