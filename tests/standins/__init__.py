"""Local stand-ins for paid services (Amazon Translate, Bedrock / OpenAI-compatible LLMs) used by tests."""
