# Homebrew formula for devserver @VERSION@, written by make dist.
class Devserver < Formula
  desc "Django's runserver for any stack, driven by a checked-in config file"
  homepage "https://github.com/devserver/devserver"
  version "@VERSION@"
  license "MIT"

  on_macos do
    on_arm do
      url "@URL@/devserver_@VERSION@_darwin_arm64.tar.gz"
      sha256 "@SHA_darwin_arm64@"
    end
    on_intel do
      url "@URL@/devserver_@VERSION@_darwin_amd64.tar.gz"
      sha256 "@SHA_darwin_amd64@"
    end
  end
  on_linux do
    on_arm do
      url "@URL@/devserver_@VERSION@_linux_arm64.tar.gz"
      sha256 "@SHA_linux_arm64@"
    end
    on_intel do
      url "@URL@/devserver_@VERSION@_linux_amd64.tar.gz"
      sha256 "@SHA_linux_amd64@"
    end
  end

  def install
    bin.install "devserver"
    bash_completion.install "completions/devserver.bash" => "devserver"
    zsh_completion.install "completions/_devserver"
    fish_completion.install "completions/devserver.fish"
    man1.install Dir["man/*.1"]
  end

  test do
    assert_match "devserver @VERSION@", shell_output("#{bin}/devserver version")
  end
end
