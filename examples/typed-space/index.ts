/**
 * A Genie space written in TypeScript: the editor checks field names and shapes, and the
 * provider validates every API rule at `pulumi preview` before any call.
 */
import * as pulumi from "@pulumi/pulumi";
import { GenieSpace, type SpaceInput } from "pulumi-genie";

const config = new pulumi.Config();
const catalog = config.get("catalog") ?? "main";
const warehouseId = config.require("warehouseId");

const orders = `${catalog}.sales.orders`;
const customers = `${catalog}.sales.customers`;

const space: SpaceInput = {
  config: {
    sample_questions: ["What was net revenue last month by region?", "Which customers churned this quarter?"],
  },
  data_sources: {
    tables: [
      {
        identifier: customers,
        description: "One row per customer.",
        column_configs: [
          { column_name: "email", exclude: true },
          { column_name: "segment", synonyms: ["tier"], enable_format_assistance: true, enable_entity_matching: true },
        ],
      },
      { identifier: orders, description: "One row per order; amounts in EUR." },
    ],
  },
  instructions: {
    text_instructions: ["Revenue means SUM(orders.net_amount).", "Weeks start on Monday."],
    example_question_sqls: [
      {
        question: "Revenue by month",
        sql: `SELECT date_trunc('MONTH', order_date) AS month, SUM(net_amount) AS revenue\nFROM ${orders}\nGROUP BY 1\nORDER BY 1`,
      },
    ],
    join_specs: [
      {
        left: { identifier: orders, alias: "orders" },
        right: { identifier: customers, alias: "customers" },
        sql: "`orders`.`customer_id` = `customers`.`customer_id`",
        relationship: "many_to_one",
      },
    ],
  },
};

const sales = new GenieSpace("sales", {
  title: "Sales analytics",
  description: "Ask about orders, revenue and customers.",
  warehouseId,
  parentPath: "/Shared/genie",
  space,
});

export const spaceId = sales.spaceId;
export const url = sales.url;
