import StarIcon from '@mui/icons-material/StarBorderOutlined';
import { BatchFeedbackList } from './BatchFeedbackList.js';
import { FeedbackList } from './FeedbackList.js';
import { ProductFeedbackList } from './ProductFeedbackList.js';

export const feedback = { list: FeedbackList, icon: StarIcon };
export const feedbackProducts = { list: ProductFeedbackList, icon: StarIcon };
export const feedbackBatches = { list: BatchFeedbackList, icon: StarIcon };
