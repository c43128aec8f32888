/**
 * The ARN partition for a region. AWS has no API for this that works offline, and the region
 * prefixes are stable; unknown or missing regions are in the commercial partition.
 * @internal
 */
export function partitionForRegion(region: string | undefined): string {
  if (!region) return "aws";
  // Calls come from few regions.
  if (region === lastRegion) return lastPartition;
  lastPartition = partitionOf(region);
  lastRegion = region;
  return lastPartition;
}

let lastRegion = "";
let lastPartition = "aws";

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-isof-")) return "aws-iso-f";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("eu-isoe-")) return "aws-iso-e";
  if (region.startsWith("eusc-")) return "aws-eusc";
  return "aws";
}
