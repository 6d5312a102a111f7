// A front end's use of the generated types: sign in, open a case, read one. `scripts/contract-client`
// type-checks it against the types openapi-typescript generates from openapi.yaml, so a change to
// the contract that breaks such a client fails the test run.
import type { components, paths } from "./schema";

type Login = paths["/api/v1/auth/login"]["post"]["requestBody"]["content"]["application/json"];
type Session = paths["/api/v1/auth/login"]["post"]["responses"]["200"]["content"]["application/json"];
type OpenCase = components["schemas"]["OpenCase"];
type Case = components["schemas"]["Case"];
type Problem = components["schemas"]["Problem"];
type Reading = components["schemas"]["SubmitReading"];

export const login: Login = { email: "admin@nordicprint.example", password: "fleetdesk-demo" };

export function bearer(session: Session): string {
  return `Bearer ${session.access_token}`;
}

export const fault: OpenCase = {
  device_id: "0190-device",
  category: "fault",
  summary: "Paper jam in tray 2",
  description: "Every job from tray 2 jams; the panel shows E-041.",
};

export const billing: OpenCase = {
  account_id: "0190-account",
  category: "billing",
  summary: "Invoice reference missing",
  description: "Our purchase order number is not on the invoice.",
};

export const reading: Reading = { values: { black: 120345, colour: 45012 } };

export function describe(c: Case): string {
  const device = c.device ? c.device.serial_number : "the account";
  const late = c.breached ? " (late)" : "";
  return `${c.summary}: ${c.status} on ${device}${late}`;
}

export function explain(p: Problem): string {
  return `${p.status} ${p.code}: ${p.detail ?? p.title}`;
}
