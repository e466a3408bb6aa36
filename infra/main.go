// Command infra is secretguard's CDK app (cdk.json runs it): the stacks that
// deploy secretguard to one account, or to a hub account and every member
// account through a StackSet. See README.md, Deploy.
//
// jsii starts its Node.js process while the CDK packages initialise, before
// main runs, so the Node.js it uses is decided by the environment: `npx cdk`
// puts the repository's pinned Node 22 (node_modules/.bin) first on PATH.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/secretguard/secretguard/infra/stacks"
)

func main() {
	app := awscdk.NewApp(nil)
	if _, err := stacks.Build(app); err != nil {
		fmt.Fprintln(os.Stderr, "secretguard infra:", err)
		jsii.Close()
		os.Exit(1)
	}
	app.Synth(nil)
	jsii.Close()
}
