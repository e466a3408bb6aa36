#!/usr/bin/env bash
# cfn-lint over every CloudFormation template the CDK app synthesizes.
#
#   infra/lint.sh [DIR...]     lint every *.template.json under DIR (default cdk.out),
#                              including the spoke template in cdk.out/assembly-*
#   infra/lint.sh --examples   synthesize both deployments (single account, and
#                              organization: hub, spoke, StackSet) with example
#                              context and placeholder binaries, then lint them;
#                              needs no `make build` and no AWS credentials
#
# Needs cfn-lint (pip install cfn-lint) and, for --examples, `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cfn-lint >/dev/null || { echo "infra/lint.sh: cfn-lint not found (pip install cfn-lint)" >&2; exit 1; }

dirs=("$@")
if [[ "${1:-}" == "--examples" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for f in evaluator remediator workloads notifier revoker accesswatch; do
    mkdir -p "$tmp/bin/$f" && printf 'placeholder' >"$tmp/bin/$f/bootstrap"
  done
  common=(-c binDir="$tmp/bin" -c functions=evaluator,remediator,workloads,notifier,revoker,accesswatch -c regions=eu-west-1,us-east-1)
  export PATH="$PWD/node_modules/.bin:$PATH"
  npx --no-install cdk synth -q -o "$tmp/single" "${common[@]}" -c account=123456789012 >/dev/null
  npx --no-install cdk synth -q -o "$tmp/org" "${common[@]}" -c deployment=organization \
    -c organizationId=o-exampleorg1 -c hubAccount=111111111111 -c memberAccounts=222222222222,333333333333 \
    -c targetOUs=ou-exam-pleounit >/dev/null
  dirs=("$tmp/single" "$tmp/org")
fi
[[ ${#dirs[@]} -gt 0 ]] || dirs=(cdk.out)

templates=()
for d in "${dirs[@]}"; do
  [[ -d "$d" ]] || { echo "infra/lint.sh: no $d: run make synth first" >&2; exit 1; }
  while IFS= read -r t; do templates+=("$t"); done < <(find "$d" -name '*.template.json' | sort)
done
[[ ${#templates[@]} -gt 0 ]] || { echo "infra/lint.sh: no templates under ${dirs[*]}" >&2; exit 1; }
echo "cfn-lint: ${#templates[@]} templates"
cfn-lint -- "${templates[@]}"
echo "cfn-lint: clean"
