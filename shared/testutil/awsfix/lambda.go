package awsfix

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// RotationRole is the IAM role RotationFunction's functions run as.
const RotationRole = "rotation"

// lambdaTrust lets the Lambda service assume a role.
const lambdaTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// LambdaRole creates, in cfg's account, an IAM role named name that the
// Lambda service may assume, unless it exists, and returns its ARN.
func LambdaRole(tb testing.TB, ctx context.Context, cfg aws.Config, name string) string {
	tb.Helper()
	c := iam.NewFromConfig(cfg)
	out, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(lambdaTrust)})
	var exists *iamtypes.EntityAlreadyExistsException
	switch {
	case err == nil:
		return aws.ToString(out.Role.Arn)
	case !errors.As(err, &exists):
		tb.Fatalf("CreateRole %s: %v", name, err)
	}
	got, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		tb.Fatalf("GetRole %s: %v", name, err)
	}
	return aws.ToString(got.Role.Arn)
}

// RotationFunction creates, in cfg's account and Region, a Lambda function
// named name that runs as RotationRole (created if need be) and does
// nothing, and returns its ARN: moto accepts a rotation configuration only
// for a function that exists, and motoserver configures moto to run Lambda
// without Docker, so invoking it does nothing either.
func RotationFunction(tb testing.TB, ctx context.Context, cfg aws.Config, name string) string {
	tb.Helper()
	role := LambdaRole(tb, ctx, cfg, RotationRole)
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, err := zw.Create("bootstrap")
	if err == nil {
		_, err = w.Write([]byte("#!/bin/sh\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		tb.Fatal(err)
	}
	fn, err := lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: aws.String(role), Code: &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()},
	})
	if err != nil {
		tb.Fatalf("CreateFunction %s: %v", name, err)
	}
	return aws.ToString(fn.FunctionArn)
}
