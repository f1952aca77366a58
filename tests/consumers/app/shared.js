// What both consumer pages do with the package: plan in memory, then plan against the emulator
// that serves the page (Central + Graph on the same origin), and show the result.
export async function run({ init, planSync, SyncSession }, label) {
  const out = document.getElementById("out");
  try {
    await init();
    const local = planSync(
      [{ id: "C-1", status: "active", firstName: "Ann", lastName: "Lee", email: "ann@example.com" }], [], { emptyValues: "clear" });
    const tokenResponse = await fetch("/_emulator/token", { method: "POST",
      body: JSON.stringify({ user: "demo@contoso.example", scopes: ["Contacts.ReadWrite"] }) });
    const token = (await tokenResponse.json()).access_token;
    const base = { graphBaseUrl: "/v1.0", getGraphToken: () => token, centralBaseUrl: "/central/api" };
    const folders = await new SyncSession(base).listFolders();
    const folder = folders.find((f) => f.displayName === "Central Contacts");
    const plan = await new SyncSession({ ...base, folderId: folder.id }).plan();
    out.textContent = JSON.stringify({ label, local: local.summary, demo: plan.summary }, null, 2);
  } catch (error) {
    out.textContent = JSON.stringify({ label, error: `${error.code ?? ""} ${error.message}` });
  }
  document.body.dataset.done = "true";
}
