data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  instances = "arn:${local.partition}:ec2:*:${local.account}:instance/*"
  scheduled = { "Null" = { "aws:ResourceTag/${var.schedule_tag_key}" = "false" } }
  created   = { "Null" = { "aws:ResourceTag/isched:instance" = "false" } }
}

data "aws_iam_policy_document" "ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

# Lets ECS pull the image, write logs and read the database password.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution_secret" {
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action = "secretsmanager:GetSecretValue"
      Resource = [
        aws_db_instance.this.master_user_secret[0].secret_arn,
        aws_secretsmanager_secret.secret_key.arn,
      ]
    }]
  })
}

# What isched itself may do: exactly the calls it makes. Start, stop and resize only
# resources that carry the schedule tag or that isched created; terminate only what isched
# created; create instances only tagged as isched's.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks.json
}

resource "aws_iam_role_policy" "scheduling" {
  name = "isched-scheduling"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "Discover"
        Effect   = "Allow"
        Action   = ["ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "rds:DescribeDBInstances", "rds:DescribeDBClusters", "autoscaling:DescribeAutoScalingGroups", "ssm:DescribeMaintenanceWindows"]
        Resource = "*"
      },
      {
        Sid       = "ScheduleTaggedInstances"
        Effect    = "Allow"
        Action    = ["ec2:StartInstances", "ec2:StopInstances", "ec2:ModifyInstanceAttribute", "ec2:CreateTags", "ec2:DeleteTags"]
        Resource  = local.instances
        Condition = local.scheduled
      },
      {
        Sid       = "ManageInstancesIschedCreated"
        Effect    = "Allow"
        Action    = ["ec2:StartInstances", "ec2:StopInstances", "ec2:ModifyInstanceAttribute", "ec2:TerminateInstances"]
        Resource  = local.instances
        Condition = local.created
      },
      {
        Sid       = "CreateInstancesOnlyTaggedAsIsched"
        Effect    = "Allow"
        Action    = "ec2:RunInstances"
        Resource  = local.instances
        Condition = { "Null" = { "aws:RequestTag/isched:instance" = "false" } }
      },
      {
        Sid    = "CreateInstancesFromTheseParts"
        Effect = "Allow"
        Action = "ec2:RunInstances"
        Resource = [
          "arn:${local.partition}:ec2:*::image/*",
          "arn:${local.partition}:ec2:*:${local.account}:image/*",
          "arn:${local.partition}:ec2:*:${local.account}:subnet/*",
          "arn:${local.partition}:ec2:*:${local.account}:network-interface/*",
          "arn:${local.partition}:ec2:*:${local.account}:security-group/*",
          "arn:${local.partition}:ec2:*:${local.account}:volume/*",
          "arn:${local.partition}:ec2:*:${local.account}:key-pair/isched-*",
        ]
      },
      {
        Sid       = "TagAtCreation"
        Effect    = "Allow"
        Action    = "ec2:CreateTags"
        Resource  = [local.instances, "arn:${local.partition}:ec2:*:${local.account}:volume/*"]
        Condition = { StringEquals = { "ec2:CreateAction" = "RunInstances" } }
      },
      {
        Sid      = "LoginKeyPairs"
        Effect   = "Allow"
        Action   = ["ec2:CreateKeyPair", "ec2:DeleteKeyPair"]
        Resource = "arn:${local.partition}:ec2:*:${local.account}:key-pair/isched-*"
      },
      {
        Sid    = "ScheduleTaggedDatabases"
        Effect = "Allow"
        Action = ["rds:StartDBInstance", "rds:StopDBInstance", "rds:ModifyDBInstance", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:StartDBCluster", "rds:StopDBCluster"]
        Resource = [
          "arn:${local.partition}:rds:*:${local.account}:db:*",
          "arn:${local.partition}:rds:*:${local.account}:cluster:*",
        ]
        Condition = local.scheduled
      },
      {
        Sid       = "ScheduleTaggedAutoScalingGroups"
        Effect    = "Allow"
        Action    = ["autoscaling:UpdateAutoScalingGroup", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags"]
        Resource  = "arn:${local.partition}:autoscaling:*:${local.account}:autoScalingGroup:*:autoScalingGroupName/*"
        Condition = local.scheduled
      },
      ], length(var.spoke_role_arns) == 0 ? [] : [{
        Sid      = "AssumeSpokeRoles"
        Effect   = "Allow"
        Action   = "sts:AssumeRole"
        Resource = var.spoke_role_arns
    }])
  })
}
