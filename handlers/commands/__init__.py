"""Chat commands (/统计, /未报, /补报 …): each module registers its commands in the registry."""
