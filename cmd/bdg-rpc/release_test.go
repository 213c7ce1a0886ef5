package main

// The release, checked as users get it: make release's files (binaries for
// every platform, a .vsix per platform carrying its binary, one without,
// SHA256SUMS), and go install of the module as a module proxy serves it.
// Both are slow (four cross builds; a build from a module zip), so they run
// with -release: make test-release.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

var release = flag.Bool("release", false, "run make release's script into a temporary directory, and go install from a local module proxy, and check what they made (make test-release)")

const modulePath = "github.com/bdg-rpc/bdg-rpc"

// repoRoot is the repository this test runs in.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// headCommit is the commit the repository is at, as the release stamps it
// ("" outside git).
func headCommit(t *testing.T, root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

type releaseTarget struct {
	goos, goarch, vscode string
	elf                  elf.Machine
	macho                macho.Cpu
}

var releaseTargets = []releaseTarget{
	{"linux", "amd64", "linux-x64", elf.EM_X86_64, 0},
	{"linux", "arm64", "linux-arm64", elf.EM_AARCH64, 0},
	{"darwin", "amd64", "darwin-x64", 0, macho.CpuAmd64},
	{"darwin", "arm64", "darwin-arm64", 0, macho.CpuArm64},
}

func TestRelease(t *testing.T) {
	if !*release {
		t.Skip("make test-release runs it (-release)")
	}
	root := repoRoot(t)
	dist := t.TempDir()
	cmd := exec.Command(filepath.Join(root, ".ci", "release.sh"), protocol.Version)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DIST="+dist)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf(".ci/release.sh %s: %v\n%s", protocol.Version, err, out)
	}
	v := protocol.Version
	want := map[string]bool{"SHA256SUMS": true, "bdg-rpc-" + v + ".vsix": true}

	for _, tg := range releaseTargets {
		name := "bdg-rpc-" + v + "-" + tg.goos + "-" + tg.goarch
		want[name] = true
		want["bdg-rpc-"+v+"-"+tg.vscode+".vsix"] = true
		bin := filepath.Join(dist, name)
		checkBinary(t, bin, tg)
		if tg.goos == runtime.GOOS && tg.goarch == runtime.GOARCH {
			out, err := exec.Command(bin, "version", "--json").Output()
			if err != nil {
				t.Fatalf("%s version: %v", name, err)
			}
			var got struct{ Version, Protocol, Commit string }
			if err := json.Unmarshal(out, &got); err != nil || got.Version != v || got.Protocol != protocol.ProtocolVersion {
				t.Errorf("%s version --json: %s (%v)", name, out, err)
			}
			if head := headCommit(t, root); head != "" && strings.TrimSuffix(got.Commit, "-dirty") != head {
				t.Errorf("%s is stamped with commit %q, the repository is at %s", name, got.Commit, head)
			}
		}
		checkVSIX(t, filepath.Join(dist, "bdg-rpc-"+v+"-"+tg.vscode+".vsix"), tg.vscode, bin)
	}
	checkVSIX(t, filepath.Join(dist, "bdg-rpc-"+v+".vsix"), "", "")

	entries, err := os.ReadDir(dist)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		if !want[e.Name()] {
			t.Errorf("dist holds %s, which the release does not make", e.Name())
		}
	}
	if len(got) != len(want) {
		t.Errorf("dist holds %q; want %d files", got, len(want))
	}
	checkSums(t, dist, want)
}

// checkBinary: an executable for its platform, statically linked.
func checkBinary(t *testing.T, path string, tg releaseTarget) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("the release has no %s binary: %v", tg.goos+"/"+tg.goarch, err)
	}
	if st.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable: %v", path, st.Mode())
	}
	switch tg.goos {
	case "linux":
		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer f.Close()
		if f.Machine != tg.elf {
			t.Errorf("%s is for %v, want %v", path, f.Machine, tg.elf)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("%s is linked dynamically (%v): CGO_ENABLED=0 builds a static binary", path, p.Type)
			}
		}
	case "darwin":
		f, err := macho.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer f.Close()
		if f.Cpu != tg.macho {
			t.Errorf("%s is for %v, want %v", path, f.Cpu, tg.macho)
		}
	}
}

// checkVSIX: a .vsix holding the manifest and the bundle, and for a
// platform (target not ""), that platform in its manifest and the binary
// as extension/bin/bdg-rpc, executable, byte for byte; without one, no
// binary.
func checkVSIX(t *testing.T, path, target, binary string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	for _, name := range []string{"extension.vsixmanifest", "extension/package.json", "extension/out/extension.js", "extension/out/webview/network.js"} {
		if files[name] == nil {
			t.Errorf("%s holds no %s", filepath.Base(path), name)
		}
	}
	manifest := readZipped(t, files["extension.vsixmanifest"])
	hasTarget := bytes.Contains(manifest, []byte(`TargetPlatform="`+target+`"`))
	bin := files["extension/bin/bdg-rpc"]
	if target == "" {
		if bytes.Contains(manifest, []byte("TargetPlatform=")) || bin != nil {
			t.Errorf("%s, for every platform, names a platform or carries a binary", filepath.Base(path))
		}
		return
	}
	if !hasTarget {
		t.Errorf("%s's manifest does not name %s:\n%s", filepath.Base(path), target, manifest)
	}
	if bin == nil {
		t.Fatalf("%s carries no extension/bin/bdg-rpc", filepath.Base(path))
	}
	if bin.Mode()&0o111 == 0 {
		t.Errorf("%s: extension/bin/bdg-rpc is not executable (%v)", filepath.Base(path), bin.Mode())
	}
	wantBytes, err := os.ReadFile(binary)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readZipped(t, bin), wantBytes) {
		t.Errorf("%s's binary is not %s", filepath.Base(path), filepath.Base(binary))
	}
}

func readZipped(t *testing.T, f *zip.File) []byte {
	t.Helper()
	if f == nil {
		return nil
	}
	r, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkSums: SHA256SUMS lists every other file with its hash.
func checkSums(t *testing.T, dist string, files map[string]bool) {
	t.Helper()
	f, err := os.Open(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: a line that is not 'HASH  NAME': %q", sc.Text())
		}
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatalf("SHA256SUMS lists %s: %v", name, err)
		}
		if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != sum {
			t.Errorf("SHA256SUMS: %s's hash differs", name)
		}
		listed[name] = true
	}
	for name := range files {
		if name != "SHA256SUMS" && !listed[name] {
			t.Errorf("SHA256SUMS does not list %s", name)
		}
	}
}

// TestGoInstall: go install ...@latest, as a user runs it, from a module
// proxy on disk that serves this repository's committed files as the
// release's version (what proxy.golang.org would serve for its tag), into
// an empty GOPATH and module cache; the other modules come from this
// machine's module cache (itself a proxy's layout), nothing from the
// network. The binary it makes runs.
func TestGoInstall(t *testing.T) {
	if !*release {
		t.Skip("make test-release runs it (-release)")
	}
	root := repoRoot(t)
	if headCommit(t, root) == "" {
		t.Skip("not a git checkout: the module zip is made from its commit")
	}
	goEnv := func(k string) string {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		return strings.TrimSpace(string(out))
	}
	cache := goEnv("GOMODCACHE")

	proxy := t.TempDir()
	version := "v" + protocol.Version
	dir := filepath.Join(proxy, modulePath, "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(dir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.CreateFromVCS(zf, module.Version{Path: modulePath, Version: version}, root, "HEAD", ""); err != nil {
		t.Fatalf("the module zip of HEAD: %v", err)
	}
	if err := zf.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := exec.Command("git", "-C", root, "show", "HEAD:go.mod").Output() // the zip's
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]string{"Version": version, "Time": time.Now().UTC().Format(time.RFC3339)})
	for name, b := range map[string][]byte{"list": []byte(version + "\n"), version + ".mod": gomod, version + ".info": info} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	gopath, gobin := t.TempDir(), t.TempDir()
	env := append(os.Environ(),
		"GOPATH="+gopath, "GOBIN="+gobin, "GOMODCACHE="+filepath.Join(gopath, "pkg", "mod"),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+",file://"+filepath.ToSlash(filepath.Join(cache, "cache", "download")),
		"GOSUMDB=off", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local")
	defer func() {
		clean := exec.Command("go", "clean", "-modcache") // its files are read-only
		clean.Env = env
		_ = clean.Run()
	}()
	install := exec.Command("go", "install", modulePath+"/cmd/bdg-rpc@latest")
	install.Env = env
	install.Dir = t.TempDir() // outside any module, as a user runs it
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install %s/cmd/bdg-rpc@latest: %v\n%s", modulePath, err, out)
	}
	out, err := exec.Command(filepath.Join(gobin, "bdg-rpc"), "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "bdg-rpc "+protocol.Version+" ") {
		t.Errorf("the installed bdg-rpc version: %q, %v", out, err)
	}
}
