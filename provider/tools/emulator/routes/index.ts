/**
 * Every API the emulator serves, one area per file. To add one (say, an identity provider's token
 * endpoint): write routes/<area>.ts exporting an `AreaFactory` (see router.ts), add it to
 * `ROUTE_AREAS`. A new OAuth grant type of `POST /oidc/v1/token` is a `TokenGrant` (routes/oidc.ts)
 * added to `TOKEN_GRANTS`.
 */
import type { AreaFactory } from "../router";
import { controlArea } from "./control";
import { foldersArea } from "./folders";
import { identityArea, tokenExchangeGrant } from "./identity";
import { clientCredentialsGrant, oidcArea, type TokenGrant } from "./oidc";
import { permissionsArea } from "./permissions";
import { scimArea } from "./scim";
import { spacesArea } from "./spaces";
import { sqlArea } from "./sql";

/** The grant types `POST /oidc/v1/token` serves. */
export const TOKEN_GRANTS: readonly TokenGrant[] = [clientCredentialsGrant, tokenExchangeGrant];

/** Route areas in match order (the first route whose method and path match answers). */
export const ROUTE_AREAS: readonly AreaFactory[] = [
  oidcArea(TOKEN_GRANTS),
  identityArea,
  spacesArea,
  permissionsArea,
  foldersArea,
  scimArea,
  sqlArea,
  controlArea,
];
