# unitsync for Coder templates: one coder_script per entry of `scripts`, each run through
# `unitsync exp sync run` so that it starts the moment its dependencies have completed, and one
# that declares the module's target (`unitsync exp sync target`), a unit that completes once all
# of them have, for other modules to depend on. Works with any
# Coder version: the order comes from unitsync at run time, not from coder_script_order. The
# inputs and the scripts' rendering are in scripts.tf.

terraform {
  required_version = ">= 1.3"

  required_providers {
    coder = {
      source = "coder/coder"
      # coder_script (with start_blocks_login) first shipped in 0.12.
      version = ">= 0.12"
    }
  }
}

resource "coder_script" "script" {
  for_each = var.scripts

  agent_id           = var.agent_id
  display_name       = coalesce(each.value.display_name, each.key)
  icon               = each.value.icon
  script             = local.rendered[each.key]
  run_on_start       = true
  start_blocks_login = each.value.blocks_login
}

# Declares the module's target; with no scripts, a target that completes at once.
resource "coder_script" "target" {
  agent_id     = var.agent_id
  display_name = "unitsync: ${local.target}"
  icon         = "/icon/terminal.svg"
  script       = local.target_script
  run_on_start = true
}

output "unit_names" {
  description = "The unit each script runs as, by key: for `want` in other modules' scripts."
  value       = local.units
}

output "target" {
  description = "The module's target: a unit that completes once every script of the module has (and fails if one does). Other modules depend on this one by wanting it."
  value       = local.target
}
