import type { Call } from "../call.js";
import { apiGatewayRoutes } from "../data/sdk-services.js";
import type { ServiceRules } from "../service-rules.js";
import { unknownPart } from "../unknown-part.js";

/**
 * API Gateway management calls are authorized as the HTTP method (`apigateway:GET`, …) on the
 * REST path (`arn:aws:apigateway:us-east-1::/restapis/a1b2c3`), without the `/v2` version prefix.
 */
function route(name: string, sdkId: string | undefined) {
  const key = sdkId ? `${sdkId}:${name}` : undefined;
  const routes = apiGatewayRoutes();
  return (key && routes[key]) || routes[`API Gateway:${name}`] || routes[`ApiGatewayV2:${name}`];
}

function path(call: Call, uri: string): string {
  return uri
    .replace(/^\/v2(?=\/)/, "")
    .replace(
      /\{([^}]+)\}/g,
      (_, member: string) =>
        call.input.string(member)?.replace(/[{}]/g, "") ?? unknownPart(member.replace(/\+$/, "")),
    );
}

/** Amazon API Gateway (REST and HTTP/WebSocket management APIs). @internal */
export const apiGatewayRules: ServiceRules = {
  operation: (name, sdkId) => {
    const r = route(name, sdkId);
    if (!r) return undefined;
    const [method, uri] = r;
    return (call) => {
      call.require(method, {
        resource: `arn:${call.partition}:apigateway:${call.region ?? unknownPart("region")}::${path(call, uri)}`,
      });
    };
  },
};
