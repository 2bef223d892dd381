# The template of ../main.tf written with `unitsync exp sync run`: each script is one command that
# declares its unit's dependencies (--want), waits for them, runs the work, then completes the unit
# on exit 0 or fails it (so its dependents stop at once) with the work's exit status. No trap
# boilerplate, and the script's own exit status is the work's.
#
# The image needs unitsync on PATH (see ../../docker/Dockerfile, or install.sh); the first `run`
# in the workspace starts the unitsync agent in the background.

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
    exec unitsync exp sync run git-clone -- \
      sh -c '[ -d "$HOME/project/.git" ] || git clone --depth 1 "$1" "$HOME/project"' sh "${var.repo_url}"
  EOT
}

resource "coder_script" "env_setup" {
  agent_id     = coder_agent.main.id
  display_name = "Project environment"
  run_on_start = true
  script       = <<-EOT
    #!/bin/sh
    exec unitsync exp sync run env-setup -- sh -ec '
      mkdir -p "$HOME/.config"
      printf "export PROJECT_DIR=\"%s\"\nexport NODE_ENV=development\n" "$HOME/project" >"$HOME/.config/project.env"
    '
  EOT
}

resource "coder_script" "deps_install" {
  agent_id     = coder_agent.main.id
  display_name = "Install dependencies"
  run_on_start = true
  script       = <<-EOT
    #!/bin/sh
    exec unitsync exp sync run deps-install --want git-clone --want env-setup -- sh -ec '
      . "$HOME/.config/project.env"
      cd "$PROJECT_DIR"
      if [ -f package-lock.json ]; then npm ci; fi
      if [ -f requirements.txt ]; then pip install --user -r requirements.txt; fi
    '
  EOT
}

resource "coder_script" "ide_setup" {
  agent_id     = coder_agent.main.id
  display_name = "IDE settings"
  run_on_start = true
  script       = <<-EOT
    #!/bin/sh
    exec unitsync exp sync run ide-setup --want git-clone -- sh -ec '
      mkdir -p "$HOME/project/.vscode"
      printf "{ \"files.trimTrailingWhitespace\": true }\n" >"$HOME/project/.vscode/settings.json"
    '
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
    exec unitsync exp sync run app --want deps-install --want ide-setup --want database --timeout 10m -- sh -ec '
      . "$HOME/.config/project.env"
      cd "$PROJECT_DIR"
      if [ -x bin/dev ]; then nohup bin/dev >"$HOME/app.log" 2>&1 & fi
    '
  EOT
}
