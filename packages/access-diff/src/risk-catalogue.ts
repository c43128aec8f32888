/** Where a risk is documented. @public */
export interface RiskSource {
  title: string;
  url: string;
}

/**
 * A known way to escalate privileges in AWS: every group in `requires` needs at least one of
 * its actions allowed. Kept as data so it can be reviewed and extended without code.
 * @public
 */
export interface EscalationMethod {
  id: string;
  title: string;
  severity: "critical" | "high";
  requires: ReadonlyArray<ReadonlyArray<string>>;
  description: string;
  source: RiskSource;
}

const RHINO: RiskSource = {
  title: "Rhino Security Labs: AWS IAM Privilege Escalation – Methods and Mitigation",
  url: "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/",
};

const RHINO_2: RiskSource = {
  title: "Rhino Security Labs: AWS IAM Privilege Escalation – Methods and Mitigation, Part 2",
  url: "https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/",
};

/** Privilege-escalation methods flagged when new access completes them. @public */
export const ESCALATION_METHODS: ReadonlyArray<EscalationMethod> = [
  {
    id: "iam-create-policy-version",
    title: "Create a new version of a managed policy",
    severity: "critical",
    requires: [["iam:CreatePolicyVersion"]],
    description:
      "A new default version of a policy attached to the caller can grant it any permission.",
    source: RHINO,
  },
  {
    id: "iam-set-default-policy-version",
    title: "Switch a managed policy to another version",
    severity: "critical",
    requires: [["iam:SetDefaultPolicyVersion"]],
    description: "An older, broader version of an attached policy can be made the default again.",
    source: RHINO,
  },
  {
    id: "iam-create-access-key",
    title: "Create access keys for another user",
    severity: "critical",
    requires: [["iam:CreateAccessKey"]],
    description: "Keys for a more privileged user give the caller that user's permissions.",
    source: RHINO,
  },
  {
    id: "iam-login-profile",
    title: "Create or change a user's console password",
    severity: "critical",
    requires: [["iam:CreateLoginProfile", "iam:UpdateLoginProfile"]],
    description: "A password for a more privileged user lets the caller sign in as that user.",
    source: RHINO,
  },
  {
    id: "iam-attach-policy",
    title: "Attach a managed policy to a user, group or role",
    severity: "critical",
    requires: [["iam:AttachUserPolicy", "iam:AttachGroupPolicy", "iam:AttachRolePolicy"]],
    description:
      "Attaching AdministratorAccess (or any broader policy) to itself or a role it can use escalates the caller.",
    source: RHINO,
  },
  {
    id: "iam-put-inline-policy",
    title: "Write an inline policy on a user, group or role",
    severity: "critical",
    requires: [["iam:PutUserPolicy", "iam:PutGroupPolicy", "iam:PutRolePolicy"]],
    description: "An inline policy written by the caller can grant any permission.",
    source: RHINO,
  },
  {
    id: "iam-add-user-to-group",
    title: "Add a user to a group",
    severity: "critical",
    requires: [["iam:AddUserToGroup"]],
    description: "Joining a more privileged group gives the caller the group's permissions.",
    source: RHINO,
  },
  {
    id: "iam-update-assume-role-policy",
    title: "Rewrite a role's trust policy and assume it",
    severity: "critical",
    requires: [["iam:UpdateAssumeRolePolicy"], ["sts:AssumeRole"]],
    description:
      "Trusting itself in a privileged role's trust policy lets the caller assume that role.",
    source: RHINO,
  },
  {
    id: "passrole-ec2",
    title: "Pass a role to a new EC2 instance",
    severity: "high",
    requires: [["iam:PassRole"], ["ec2:RunInstances"]],
    description:
      "An instance launched with a privileged instance profile exposes that role's credentials to whoever controls the instance.",
    source: RHINO,
  },
  {
    id: "passrole-lambda",
    title: "Pass a role to a new Lambda function",
    severity: "high",
    requires: [["iam:PassRole"], ["lambda:CreateFunction"]],
    description:
      "Code the caller writes runs with the passed role once the function is invoked or triggered.",
    source: RHINO,
  },
  {
    id: "lambda-update-function-code",
    title: "Replace the code of an existing Lambda function",
    severity: "high",
    requires: [["lambda:UpdateFunctionCode"]],
    description:
      "New code runs with the function's execution role, which may be more privileged than the caller.",
    source: RHINO,
  },
  {
    id: "lambda-update-function-configuration",
    title: "Change an existing Lambda function's configuration (layers)",
    severity: "high",
    requires: [["lambda:UpdateFunctionConfiguration"]],
    description:
      "A layer the caller controls can override the function's code and run with its role.",
    source: RHINO_2,
  },
  {
    id: "passrole-glue",
    title: "Pass a role to a Glue development endpoint",
    severity: "high",
    requires: [["iam:PassRole"], ["glue:CreateDevEndpoint"]],
    description: "The caller can SSH into the endpoint and use the passed role's credentials.",
    source: RHINO,
  },
  {
    id: "glue-update-dev-endpoint",
    title: "Add an SSH key to an existing Glue development endpoint",
    severity: "high",
    requires: [["glue:UpdateDevEndpoint"]],
    description:
      "Access to the endpoint gives the caller the credentials of the role attached to it.",
    source: RHINO,
  },
  {
    id: "passrole-cloudformation",
    title: "Pass a role to a CloudFormation stack",
    severity: "high",
    requires: [["iam:PassRole"], ["cloudformation:CreateStack"]],
    description:
      "The stack creates whatever resources the passed role may create, on the caller's behalf.",
    source: RHINO,
  },
  {
    id: "passrole-datapipeline",
    title: "Pass a role to a Data Pipeline",
    severity: "high",
    requires: [
      ["iam:PassRole"],
      ["datapipeline:CreatePipeline"],
      ["datapipeline:PutPipelineDefinition"],
    ],
    description: "The pipeline runs commands the caller defines with the passed role.",
    source: RHINO,
  },
  {
    id: "passrole-sagemaker",
    title: "Pass a role to a SageMaker notebook instance",
    severity: "high",
    requires: [
      ["iam:PassRole"],
      ["sagemaker:CreateNotebookInstance"],
      ["sagemaker:CreatePresignedNotebookInstanceUrl"],
    ],
    description:
      "The notebook's Jupyter server runs with the passed role and the caller can open it.",
    source: RHINO_2,
  },
  {
    id: "sagemaker-presigned-notebook-url",
    title: "Open an existing SageMaker notebook instance",
    severity: "high",
    requires: [["sagemaker:CreatePresignedNotebookInstanceUrl"]],
    description: "A presigned URL opens the notebook with the permissions of its execution role.",
    source: RHINO_2,
  },
  {
    id: "passrole-codestar",
    title: "Pass a role to a CodeStar project",
    severity: "high",
    requires: [["iam:PassRole"], ["codestar:CreateProject"]],
    description:
      "The project's toolchain role creates resources from a template the caller controls.",
    source: RHINO_2,
  },
  {
    id: "codestar-create-project-from-template",
    title: "Create a CodeStar project from a template",
    severity: "high",
    requires: [["codestar:CreateProjectFromTemplate"]],
    description: "The CodeStar service role creates resources from the caller's template.",
    source: RHINO_2,
  },
];

/** Sources for the structural checks on statements. @internal */
export const STRUCTURE_SOURCES = {
  notAction: {
    title: "AWS IAM User Guide: NotAction with Allow",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html",
  },
  notResource: {
    title: "AWS IAM User Guide: NotResource with Allow",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html",
  },
  leastPrivilege: {
    title: "AWS IAM User Guide: Apply least-privilege permissions",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
  },
  accessLevels: {
    title: "AWS IAM User Guide: Access levels in policy summaries",
    url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html",
  },
} satisfies Record<string, RiskSource>;
