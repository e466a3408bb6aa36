// Package lambdaenv holds the start-up steps that every secretguard Lambda
// function (evaluator, remediator, notifier, revoker) takes the same way,
// so that each main keeps only its own wiring:
//
//	func main() { lambda.Start(lambdaenv.Init(setup).Handle) }
//
// where setup reads its environment through an Env (os.Getenv in main, a
// map in tests), starts with Load (the SDK config in AWS_REGION and the
// baseline BASELINE names) and builds the function's Handler.
package lambdaenv
