/**
 * The `hashicorp/aws` provider every stack requires. Kept apart from the stacks so that tools
 * which only need the constraint (the provider discovery behind the offline plans, the
 * benchmarks and `.ci/run`) do not load cdktf and the provider bindings.
 */

/** The registry address Terraform installs the provider from. */
export const AWS_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws";

/** The provider constraint: the bindings are for 5.99; later 5.x releases are compatible. */
export const AWS_PROVIDER_VERSION = "~> 5.99";
