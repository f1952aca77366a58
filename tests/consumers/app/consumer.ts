// Type-checks the package's .d.ts the way a TypeScript app uses it (tsc --noEmit, strict).
import init, {
  planSync, SyncSession,
  type Plan, type PlanItem, type State, type Reason, type Change, type Field, type Summary,
  type SyncSessionConfig, type RunOptions, type Progress, type SyncResult, type RecordResult,
  type Folder, type CentralContact, type OutlookContact,
} from "central-o365-sync";

export async function main(): Promise<string> {
  await init();
  const central: CentralContact[] = [
    { id: "C-1", status: "active", firstName: "Ann", lastName: "Lee", email: "ann@example.com", homeAddress: { town: "Leeds" } },
    { id: 2, status: null, firstName: null },
  ];
  const outlook: OutlookContact[] = [{ id: "AAMk-1", givenName: "Ann", emailAddresses: [{ address: "ann@example.com" }] }];
  const plan: Plan = planSync(central, outlook, { emptyValues: "keep" });
  const fromText: Plan = planSync(JSON.stringify(central), new TextEncoder().encode("[]"), undefined);
  const summary: Summary = plan.summary;
  const states: State[] = plan.items.map((item: PlanItem) => item.state);
  const reasons: Reason[] = plan.items.flatMap((item) => item.reasons);
  const fields: Field[] = plan.items.flatMap((item) => item.changes.map((c: Change) => c.field));
  const outlookIds: (string | null)[] = plan.items.map((item) => item.outlookId);
  // @ts-expect-error "deleted" is not a State
  const notAState: State = "deleted";
  // @ts-expect-error emptyValues is "clear" | "keep"
  planSync([], [], { emptyValues: "sometimes" });

  const config: SyncSessionConfig = {
    graphBaseUrl: "https://graph.microsoft.com/v1.0",
    mailbox: "office@contoso.example",
    folderId: "AAMkFolder",
    getGraphToken: async ({ forceRefresh }) => (forceRefresh ? "fresh" : "cached"),
    centralBaseUrl: "/central/api",
    retry: { maxAttempts: 4 },
  };
  const session = new SyncSession(config);
  const folders: Folder[] = await session.listFolders();
  const created: Folder = await session.createFolder("Central Contacts", null);
  const path: string = created.path;
  const controller = new AbortController();
  const options: RunOptions = {
    onProgress: (p: Progress) => console.log(p.done, p.total, p.created, p.updated, p.failed, p.waitingSeconds),
    signal: controller.signal,
  };
  const planned: Plan = await session.plan();
  const result: SyncResult = await session.run(planned.items.map((i) => i.centralId), options);
  const outcomes: RecordResult[] = result.records;
  const codes: (string | undefined)[] = outcomes.map((r) => r.error?.code);
  const cancelled: boolean = result.cancelled;
  session.free();
  try {
    planSync("not json", [], undefined);
  } catch (error) {
    if (error instanceof Error && "code" in error) console.log(error.code);
  }
  return JSON.stringify({ summary, states, reasons, fields, outlookIds, notAState, fromText, folders, path, codes, cancelled });
}
