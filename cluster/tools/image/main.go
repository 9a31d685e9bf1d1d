// Command image builds the provider's runtime image offline: no base image
// is pulled; the image is one layer holding the static provider binary,
// run as a non-root user with no shell. Every timestamp is fixed, so the
// same binary always makes the same image digest.
//
//	go run . --binary PATH --ref NAME:TAG --out IMAGE.tar
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// nonRoot is the conventional "nonroot" user and group of distroless
// images.
const nonRoot = "65532:65532"

func main() {
	binary := flag.String("binary", "", "The static binary to run.")
	ref := flag.String("ref", "", "The image's name and tag in the tarball.")
	out := flag.String("out", "", "Where to write the image tarball.")
	arch := flag.String("arch", "amd64", "The binary's architecture.")
	flag.Parse()
	if err := build(*binary, *ref, *out, *arch); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func build(binary, ref, out, arch string) error {
	tag, err := name.NewTag(ref)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(binary)
	if err != nil {
		return err
	}
	layerTar, err := layer("usr/local/bin/provider", b)
	if err != nil {
		return err
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerTar)), nil })
	if err != nil {
		return err
	}
	img, err := mutate.Append(empty.Image, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "provider-appinfra image: the static provider binary", Created: v1.Time{Time: epoch}}})
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	cfg.Created = v1.Time{Time: epoch}
	cfg.Config.Entrypoint = []string{"/usr/local/bin/provider"}
	cfg.Config.User = nonRoot
	cfg.Config.Env = []string{"PATH=/usr/local/bin"}
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	return tarball.WriteToFile(out, tag, img)
}

// epoch is every timestamp in the image: a build must not depend on when
// it ran.
var epoch = time.Unix(0, 0).UTC()

// layer is a tar of one executable file and its parent directories, owned
// by root, with fixed times.
func layer(path string, content []byte) ([]byte, error) {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	dirs := []string{"usr/", "usr/local/", "usr/local/bin/"}
	for _, d := range dirs {
		if err := w.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
	}
	if err := w.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: path, Mode: 0o755, Size: int64(len(content)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
		return nil, err
	}
	if _, err := w.Write(content); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
