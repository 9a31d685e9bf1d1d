//go:build generate

// The one entry point for generated code: deepcopy methods and CRDs
// (controller-gen) and the managed-resource method sets (angryjet). Tools
// come from cluster/tools.sh, built from pinned versions. Run `make generate`.

//go:generate rm -rf ../package/crds
//go:generate bash -c "$(../cluster/tools.sh gen)/controller-gen object:headerFile=../cluster/boilerplate.go.txt paths=./... crd:crdVersions=v1,allowDangerousTypes=false output:artifacts:config=../package/crds"
//go:generate bash -c "$(../cluster/tools.sh gen)/angryjet generate-methodsets --header-file=../cluster/boilerplate.go.txt ./..."

package apis
