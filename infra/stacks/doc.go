// Package stacks is secretguard's CDK app: the stacks that deploy it to one
// account (SecretGuard-<region>), or to an organisation (SecretGuardHub-<region>
// in the hub account, the spoke template, and the StackSet stack
// SecretGuardOrg). Build reads the context (Config, documented in
// README.md, Deploy) and adds the stacks.
//
// Every function is wired by one construct (functions.go) from one line of
// catalog (catalog.go). Its role holds exactly the IAM actions the shared
// packages declare for it, each scoped by scopesFor (iam.go); an action
// without a known scope fails synthesis. cdk-nag's AwsSolutions checks run
// on every stack, with each suppression's reason in nag.go.
//
// Only infra imports this package and the CDK: function builds and the
// default test run never compile them.
package stacks
