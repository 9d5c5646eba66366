variable "name" {
  description = "Prefix of every resource's name."
  type        = string
  default     = "isched"
}

variable "image_uri" {
  description = "The isched image, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/isched:1.2.0."
  type        = string
}

variable "domain_name" {
  description = "The host name users reach isched at; its DNS record points to the load balancer."
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate for domain_name, in this Region."
  type        = string
}

variable "desired_count" {
  description = "Replicas; two or more so that one can fail or be replaced while the other serves."
  type        = number
  default     = 2
  validation {
    condition     = var.desired_count >= 2
    error_message = "desired_count must be at least 2."
  }
}

variable "task_cpu" {
  type    = number
  default = 512
}

variable "task_memory" {
  type    = number
  default = 1024
}

variable "admin_email" {
  description = "The first administrator; its one-time password is in the service's first log lines."
  type        = string
  default     = "admin@localhost"
}

variable "cognito_issuer_url" {
  description = "The user pool's issuer, https://cognito-idp.REGION.amazonaws.com/POOL_ID."
  type        = string
}

variable "cognito_app_client_id" {
  description = "The app client id: the JWT authorizer's audience, and the client_id isched accepts."
  type        = string
}

variable "cognito_admin_group" {
  description = "Members of this Cognito group are isched administrators."
  type        = string
  default     = "isched-admins"
}

variable "spoke_role_arns" {
  description = "Roles in other accounts (spoke-role.yml) isched assumes; empty for this account only."
  type        = list(string)
  default     = []
}

variable "create_network" {
  description = "Create a VPC with two public and two private subnets; false deploys into vpc_id and the given subnets."
  type        = bool
  default     = true
}

variable "vpc_cidr" {
  type    = string
  default = "10.40.0.0/16"
}

variable "vpc_id" {
  description = "With create_network = false: the VPC to deploy into."
  type        = string
  default     = null
}

variable "public_subnet_ids" {
  description = "With create_network = false: two public subnets for the load balancer."
  type        = list(string)
  default     = []
}

variable "private_subnet_ids" {
  description = "With create_network = false: two private subnets with NAT, for the tasks and the database."
  type        = list(string)
  default     = []
}

variable "database_instance_class" {
  type    = string
  default = "db.t4g.small"
}

variable "database_engine_version" {
  description = "A Postgres 17 minor version RDS offers for new instances."
  type        = string
  default     = "17.6"
}

variable "database_multi_az" {
  type    = bool
  default = true
}

variable "log_retention_days" {
  type    = number
  default = 90
}

variable "alarm_email" {
  description = "Alarms are sent here (optional)."
  type        = string
  default     = ""
}

variable "schedule_tag_key" {
  description = "The tag naming a resource's schedule; isched may start, stop and resize only resources carrying it (or created by isched)."
  type        = string
  default     = "Schedule"
}

variable "trusted_proxies" {
  description = "With create_network = false: the load balancer's possible addresses (the VPC's range), whose X-Forwarded-For isched believes."
  type        = list(string)
  default     = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
}
