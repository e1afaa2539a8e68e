"""Chat commands (/统计, /未报, /补报 …): each module registers its commands on import.

handlers/router.py imports every command module (these and the care and quiz commands);
this __init__ imports nothing, so importing one command module, or the registry, never
loads the others half-way through (an import cycle through the package).
"""
