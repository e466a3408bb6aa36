package awsenv

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/secretguard/secretguard/shared/testutil/motoserver"
)

func TestMain(m *testing.M) { os.Exit(motoserver.Main(m)) }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
