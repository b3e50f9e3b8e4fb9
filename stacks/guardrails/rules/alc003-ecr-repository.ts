import { firstBlock } from "../attributes";
import type { GuardrailRule } from "../rule";

/** ALC003: the image promoted dev → test → prod cannot change under a tag, and is scanned. */
export const ecrRepositoryImmutable: GuardrailRule = {
  id: "ALC003",
  title: "Every ECR repository has immutable tags and scan on push",
  why:
    "A mutable tag lets a push replace the image test approved before prod runs it; scan on " +
    "push reports known vulnerabilities of every image before it is deployed.",
  fix: 'set imageTagMutability: "IMMUTABLE" and imageScanningConfiguration: { scanOnPush: true }',
  appliesTo: (element) => element.kind === "resource" && element.type === "aws_ecr_repository",
  check: (element) => {
    const problems: string[] = [];
    const mutability = element.attributes.image_tag_mutability;
    if (mutability !== "IMMUTABLE") {
      problems.push(
        `image_tag_mutability is ${mutability === undefined ? "not set (MUTABLE)" : JSON.stringify(mutability)}, not "IMMUTABLE"`,
      );
    }
    if (firstBlock(element.attributes.image_scanning_configuration)?.scan_on_push !== true) {
      problems.push("image_scanning_configuration.scan_on_push is not true");
    }
    return problems;
  },
};
