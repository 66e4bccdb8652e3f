/**
 * The SQL Statement Execution API, `/api/2.0/sql/statements` (enough for the newcomer's demo
 * data): submit, poll, cancel, close. The workspace's warehouse (sql-api.ts) runs the statements.
 */
import { ok } from "../http";
import { type AreaFactory, route } from "../router";

const STATEMENTS = "/api/2.0/sql/statements";

export const sqlArea: AreaFactory = () => ({
  name: "SQL statements",
  routes: [
    route("POST", STATEMENTS, ({ caller, json }) => ok(caller.ws.sql.submit(json()))),
    route("GET", `${STATEMENTS}/{id}`, ({ caller, params }) => ok(caller.ws.sql.poll(params.id))),
    route("POST", `${STATEMENTS}/{id}/cancel`, ({ caller, params }) => ok(caller.ws.sql.cancel(params.id))),
    route("DELETE", `${STATEMENTS}/{id}`, ({ caller, params }) => ok(caller.ws.sql.close(params.id))),
  ],
});
