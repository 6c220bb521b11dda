"""The demo: an organisation simulated over a year from latent behaviour (docs/demo.md).

``trustledger demo`` calls :func:`load_story`; the guided tour (``/tour/``) and the story tests
find the cast again with :func:`story_of`.
"""

from trustledger.demo.story import DemoStory, load_story, story_of

__all__ = ["DemoStory", "load_story", "story_of"]
