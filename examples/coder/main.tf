# A Coder template fragment: the workspace's startup scripts run in parallel as coder_script
# resources, and unitsync orders them with the same verbs as `coder exp sync` (want, start,
# complete), so it works with any Coder version and needs no socket server setting on the agent.
# Each script that breaks says so with `fail`, which stops its dependents at once instead of
# leaving them waiting for their 5-minute timeout.
#
# The image needs unitsync on PATH (see ../docker/Dockerfile, or install.sh). No script starts the
# unitsync agent: the first `want` or `start` in the workspace starts one in the background.
#
#   git-clone ──┬──> deps-install ──┐
#   env-setup ──┘                   ├──> app
#   git-clone ─────> ide-setup ─────┤
#   database (a probe: its port) ───┘
#
# ./run/main.tf is the same template written with `unitsync exp sync run`, one line a script.

terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

variable "repo_url" {
  type        = string
  description = "The repository to clone into ~/project"
  default     = "https://github.com/coder/coder.git"
}

variable "database_address" {
  type        = string
  description = "HOST:PORT of the workspace's database (a sidecar container, or a server the image starts)"
  default     = "127.0.0.1:5432"
}

resource "coder_agent" "main" {
  arch = "amd64"
  os   = "linux"
}

resource "coder_script" "git_clone" {
  agent_id     = coder_agent.main.id
  display_name = "Clone the repository"
  run_on_start = true
  script       = <<-EOT
    #!/bin/sh
    set -u
    unitsync exp sync start git-clone || exit
    if [ -d "$HOME/project/.git" ] || git clone --depth 1 "${var.repo_url}" "$HOME/project"; then
      unitsync exp sync complete git-clone
    else
      unitsync exp sync fail git-clone --reason "git clone ${var.repo_url} failed"
      exit 1
    fi
  EOT
}

resource "coder_script" "env_setup" {
  agent_id     = coder_agent.main.id
  display_name = "Project environment"
  run_on_start = true
  script       = <<-EOT
    #!/bin/sh
    set -u
    unitsync exp sync start env-setup || exit
    mkdir -p "$HOME/.config" &&
      printf 'export PROJECT_DIR="%s"\nexport NODE_ENV=development\n' "$HOME/project" >"$HOME/.config/project.env"
    status=$?
    if [ "$status" -eq 0 ]; then
      unitsync exp sync complete env-setup
    else
      unitsync exp sync fail env-setup --reason "exit status $status"
    fi
    exit "$status"
  EOT
}

resource "coder_script" "deps_install" {
  agent_id     = coder_agent.main.id
  display_name = "Install dependencies"
  run_on_start = true
  # Depends on git-clone for the lock files, and on env-setup for PROJECT_DIR.
  script = <<-EOT
    #!/bin/sh
    set -u
    unitsync exp sync want deps-install git-clone env-setup || exit
    unitsync exp sync start deps-install || exit
    (
      set -e
      . "$HOME/.config/project.env"
      cd "$PROJECT_DIR"
      if [ -f package-lock.json ]; then npm ci; fi
      if [ -f requirements.txt ]; then pip install --user -r requirements.txt; fi
    )
    status=$?
    if [ "$status" -eq 0 ]; then
      unitsync exp sync complete deps-install
    else
      unitsync exp sync fail deps-install --reason "exit status $status"
    fi
    exit "$status"
  EOT
}

resource "coder_script" "ide_setup" {
  agent_id     = coder_agent.main.id
  display_name = "IDE settings"
  run_on_start = true
  # Depends on git-clone because the settings go into the project's .vscode/.
  script = <<-EOT
    #!/bin/sh
    set -u
    unitsync exp sync want ide-setup git-clone || exit
    unitsync exp sync start ide-setup || exit
    mkdir -p "$HOME/project/.vscode" &&
      printf '{ "files.trimTrailingWhitespace": true }\n' >"$HOME/project/.vscode/settings.json"
    status=$?
    if [ "$status" -eq 0 ]; then
      unitsync exp sync complete ide-setup
    else
      unitsync exp sync fail ide-setup --reason "exit status $status"
    fi
    exit "$status"
  EOT
}

resource "coder_script" "database" {
  agent_id     = coder_agent.main.id
  display_name = "Wait for the database"
  run_on_start = true
  # A probe unit: it completes once the database accepts TCP connections (a fresh connect every
  # second at most, each bounded by its own deadline), or fails after 5 minutes with the last
  # error (connection refused, no answer), so the app never starts against a missing database.
  script = <<-EOT
    #!/bin/sh
    exec unitsync exp sync probe database --tcp "${var.database_address}" --timeout 5m
  EOT
}

resource "coder_script" "app" {
  agent_id     = coder_agent.main.id
  display_name = "Start the app"
  run_on_start = true
  script       = <<-EOT
    #!/bin/sh
    set -u
    unitsync exp sync want app deps-install ide-setup database || exit
    # `start` exits 4 if a dependency failed: the app is not started on a broken checkout.
    unitsync exp sync start app --timeout 10m || exit
    (
      set -e
      . "$HOME/.config/project.env"
      cd "$PROJECT_DIR"
      if [ -x bin/dev ]; then nohup bin/dev >"$HOME/app.log" 2>&1 & fi
    )
    status=$?
    if [ "$status" -eq 0 ]; then
      unitsync exp sync complete app
    else
      unitsync exp sync fail app --reason "exit status $status"
    fi
    exit "$status"
  EOT
}
