// Package awsfix holds the AWS fixtures that tests of several packages set
// up the same way on moto (see package motoserver): an environment that
// points a program at moto and nothing else, the IAM role and Lambda
// function moto needs before it accepts a rotation configuration, and
// secrets created the way moto needs under concurrent writes.
//
// Every helper takes a testing.TB and fails it on error.
//
//	srv := motoserver.Start(t)
//	srv.Reset(t)
//	cfg := srv.Config(t, "us-east-1")
//	fn := awsfix.RotationFunction(t, ctx, cfg, "rotate")
//	arn := awsfix.CreateSecret(t, ctx, secretsmanager.NewFromConfig(cfg), &secretsmanager.CreateSecretInput{...})
package awsfix
