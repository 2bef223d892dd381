# The module's inputs and the rendering of its scripts. Nothing here needs the coder provider, so
# the tests evaluate this file alone with `terraform console` and run what it renders.

variable "agent_id" {
  type        = string
  description = "The ID of the Coder agent that runs the scripts."
}

variable "scripts" {
  description = <<-EOT
    The startup scripts, by key. Each becomes one coder_script that runs it as the unit
    "<unit_prefix>.<key>" (or "<key>" without a prefix) through `unitsync exp sync run`, once every
    unit in `want` has completed. A `want` entry that names another key of this map means that
    script's unit; anything else is a unit name as it is, e.g. another module's `target` output.
  EOT
  type = map(object({
    script       = string
    want         = optional(list(string), [])
    display_name = optional(string)
    icon         = optional(string, "/icon/terminal.svg")
    blocks_login = optional(bool, false)
    timeout      = optional(string, "")
  }))
  default = {}

  validation {
    condition     = alltrue([for key, s in var.scripts : can(regex("^[A-Za-z0-9_.-]{1,64}$", key))])
    error_message = "Script keys are 1-64 letters, digits, '.', '_' or '-': they become unit and resource names."
  }
  validation {
    condition     = alltrue([for s in var.scripts : !contains(split("\n", s.script), "UNITSYNC_MODULE_SCRIPT_END")])
    error_message = "A script may not contain the line UNITSYNC_MODULE_SCRIPT_END (it ends the here-document that carries the script)."
  }
  validation {
    condition     = alltrue([for s in var.scripts : can(regex("^([0-9]+(ns|us|ms|s|m|h))*$|^0$", s.timeout))])
    error_message = "A timeout is a Go-style duration such as 90s, 5m or 1h30m, or 0 to wait forever."
  }
}

variable "want" {
  type        = list(string)
  description = "Units that every script of this module waits for, e.g. another module's `target` output."
  default     = []
}

variable "unit_prefix" {
  type        = string
  description = "Prefix of this module's unit names, as in \"<unit_prefix>.<key>\" (the spec's <module>.<name> convention). Empty: the keys themselves."
  default     = ""
  validation {
    condition     = can(regex("^[^\\s]{0,60}$", var.unit_prefix))
    error_message = "The prefix has no whitespace and at most 60 characters."
  }
}

variable "target" {
  type        = string
  description = "The name of the module's target: a unit that completes once every script of the module has, for others to depend on. Default: the unit prefix, or \"unitsync\" without one."
  default     = ""
}

variable "install_version" {
  type        = string
  description = "The unitsync release to install."
  default     = "0.1.0"
}

variable "release_url" {
  type        = string
  description = "The release folder to install from (it holds install.sh, SHA256SUMS and the binaries). Default: the release install_version names under release_base_url."
  default     = ""
}

variable "release_base_url" {
  type        = string
  description = "Where release folders are published, one v<version> folder each."
  default     = "https://github.com/unitsync/unitsync/releases/download"
}

variable "install_prefix" {
  type        = string
  description = "unitsync is installed to <install_prefix>/bin/unitsync. Empty: $HOME/.local of the workspace user (no root needed)."
  default     = ""
}

variable "offline" {
  type        = bool
  description = "The image already has unitsync on PATH: install nothing, download nothing."
  default     = false
}

locals {
  prefix    = var.unit_prefix == "" ? "" : "${var.unit_prefix}."
  units     = { for key, s in var.scripts : key => "${local.prefix}${key}" }
  target    = var.target != "" ? var.target : (var.unit_prefix != "" ? var.unit_prefix : "unitsync")
  release   = var.release_url != "" ? trimsuffix(var.release_url, "/") : "${trimsuffix(var.release_base_url, "/")}/v${var.install_version}"
  installer = trimsuffix(file("${path.module}/install-unitsync.sh"), "\n")

  # A value inside single quotes for sh: every ' becomes '\''.
  quoted = { for key, s in var.scripts : key => {
    unit = "'${replace(local.units[key], "'", "'\\''")}'"
    want = join(" ", [for w in concat(var.want, s.want) : "--want '${replace(lookup(local.units, w, w), "'", "'\\''")}'"])
  } }

  rendered = { for key, s in var.scripts : key => templatefile("${path.module}/run.sh.tftpl", {
    KEY       = key
    UNIT      = local.quoted[key].unit
    WANT      = local.quoted[key].want
    TIMEOUT   = s.timeout == "" ? "" : "--timeout ${s.timeout}"
    RUNNER    = startswith(s.script, "#!") ? "" : "sh "
    SCRIPT    = trimsuffix(s.script, "\n")
    INSTALLER = local.installer
    RELEASE   = "'${replace(local.release, "'", "'\\''")}'"
    PREFIX    = "'${replace(var.install_prefix, "'", "'\\''")}'"
    OFFLINE   = var.offline
  }) }

  # The target: declared by a script of its own (`exp sync target`), it completes once every
  # script's unit has, with no process waiting for it.
  target_script = templatefile("${path.module}/target.sh.tftpl", {
    UNIT      = "'${replace(local.target, "'", "'\\''")}'"
    MEMBERS   = join(" ", [for key, unit in local.units : "'${replace(unit, "'", "'\\''")}'"])
    WANT      = join(" ", [for key, unit in local.units : "--want '${replace(unit, "'", "'\\''")}'"])
    INSTALLER = local.installer
    RELEASE   = "'${replace(local.release, "'", "'\\''")}'"
    PREFIX    = "'${replace(var.install_prefix, "'", "'\\''")}'"
    OFFLINE   = var.offline
  })
}
