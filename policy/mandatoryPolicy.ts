// A mandatory resource policy made from a pure function that lists a resource's problems: each
// problem is reported as one violation.
import type { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export function mandatoryPolicy(
  name: string,
  description: string,
  problemsOf: (args: ResourceValidationArgs) => string[],
  configSchema?: PolicyConfigSchema,
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel: "mandatory",
    ...(configSchema ? { configSchema } : {}),
    validateResource: (args, reportViolation) => {
      for (const problem of problemsOf(args)) reportViolation(problem);
    },
  };
}
